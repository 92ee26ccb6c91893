import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseDocument, toQuestion } from '../../src/bank/parse.ts';

const doc = (...lines: string[]) => lines.join('\n');
const parse = (text: string) => parseDocument('t.md', text);
const source = (name: string) => readFileSync(new URL(`../../questions/sources/${name}`, import.meta.url), 'utf8');

describe('parser: question forms', () => {
  it('reads **N. …** bold titles followed by **答案：**', () => {
    const { units } = parse(doc(
      '#### 创建开源项目的认证程序',
      '',
      '#### 一、相关领域的典型问题/面试题库',
      '',
      '**1. 开源项目认证的重要性是什么？**',
      '',
      '**答案：** 开源项目认证的重要性在于：',
      '',
      '- **建立权威性**：增强信任。',
      '',
      '**2. 如何评估一个开源项目的质量？**',
      '',
      '**答案：** 从代码质量评估。',
    ));
    expect(units.map((u) => [u.line, u.title])).toEqual([
      [5, '开源项目认证的重要性是什么？'],
      [11, '如何评估一个开源项目的质量？'],
    ]);
    expect(units[0]!.answer).toBe('开源项目认证的重要性在于：\n\n- **建立权威性**：增强信任。');
    expect(units[0]!.prompt).toBe('开源项目认证的重要性是什么？');
  });

  it('reads #### N. headings with **题目：** / **答案：** / **示例代码：** / **解析：**', () => {
    const { units } = parse(doc(
      '#### 1. 如何在分布式系统中实现一致性哈希？',
      '',
      '**题目：** 请解释一致性哈希算法的工作原理。',
      '',
      '**答案：**',
      '',
      '一致性哈希把哈希空间看成一个环。',
      '',
      '**示例代码：**',
      '',
      '```python',
      'def ring():',
      '    # 示例',
      '    return 1',
      '```',
      '',
      '**解析：** 示例代码实现了一个环。',
    ));
    expect(units).toHaveLength(1);
    const u = units[0]!;
    expect(u.prompt).toBe('请解释一致性哈希算法的工作原理。');
    expect(u.answer).toBe('一致性哈希把哈希空间看成一个环。\n\n```python\ndef ring():\n    # 示例\n    return 1\n```\n\n**解析：** 示例代码实现了一个环。');
    expect(u.code).toEqual([{ lang: 'python', source: 'def ring():\n    # 示例\n    return 1' }]);
  });

  it('reads the **题目**：/**解答**：/**代码示例**： variant with a multi-line task', () => {
    const { units } = parse(doc(
      '### 典型问题与面试题库',
      '',
      '在技术咨询领域，以下是一些典型问题：',
      '',
      '#### 1. 如何设计一个消息队列系统？',
      '',
      '**题目**：设计一个消息队列系统，要求支持以下功能：',
      '- 消息的持久化存储；',
      '- 高可用性。',
      '',
      '**解答**：可以使用Kafka。',
      '',
      '**代码示例**：',
      '',
      '```python',
      'producer.send("t", b"x")',
      '```',
    ));
    expect(units).toHaveLength(1);
    expect(units[0]!.prompt).toBe('设计一个消息队列系统，要求支持以下功能：\n- 消息的持久化存储；\n- 高可用性。');
    expect(units[0]!.answer).toMatch(/^可以使用Kafka。\n\n```python\n/);
  });

  it('reads ##### and ### numbered headings whose numbering restarts', () => {
    const { units } = parse(doc(
      '### 分布式认知',
      '',
      '#### 典型问题与面试题库',
      '',
      '##### 1. 什么是分布式认知？',
      '',
      '**答案：** 多个个体协作。',
      '',
      '##### 2. 什么是分布式算法？',
      '',
      '**答案：** 多节点协作的算法。',
      '',
      '#### 算法编程题库',
      '',
      '##### 1. 如何实现一个分布式锁？',
      '',
      '**答案：** 用 etcd。',
      '',
      '#### 总结',
      '',
      '本文介绍了分布式认知。',
      '',
      '---------------------',
      '',
      '### 1. 什么是分布式锁？',
      '',
      '**答案：** 一种互斥机制。',
    ));
    expect(units.map((u) => [u.line, u.title])).toEqual([
      [5, '什么是分布式认知？'],
      [9, '什么是分布式算法？'],
      [15, '如何实现一个分布式锁？'],
      [25, '什么是分布式锁？'],
    ]);
  });

  it('treats document titles, intro and summary sections as structure, not questions', () => {
    const { units } = parse(doc(
      '### 概述',
      '',
      '本文讨论高价值服务。',
      '',
      '### 高价值服务的定义与重要性',
      '',
      '高价值服务是指……',
      '',
      '#### 引言',
      '',
      '引言正文。',
      '',
      '#### 一、典型问题',
      '',
      '#### 1. 如何优化数据库查询性能？',
      '',
      '**解答**：使用索引。',
      '',
      '### 总结与展望',
      '',
      '未来更加智能化。',
    ));
    expect(units.map((u) => u.title)).toEqual(['如何优化数据库查询性能？']);
    expect(units[0]!.answer).toBe('使用索引。');
  });

  it('reads un-numbered #### headings that are statements or bare topics, as questions', () => {
    const { units } = parse(doc(
      '---',
      'title: 面试题',
      'tags:',
      '- 面试准备',
      '---',
      '',
      '#### HDFS',
      '',
      'HDFS 是分布式文件系统。',
      '',
      '#### Kafka能够实现高吞吐主要有以下几个方面：',
      '',
      '    分布式架构',
      '',
      '#### Django请求生命周期的大致过程如下：',
      '',
      '    1 客户端发起请求。',
    ));
    expect(units.map((u) => [u.line, u.title, u.prompt])).toEqual([
      [7, 'HDFS', '请讲讲HDFS。'],
      [11, 'Kafka能够实现高吞吐主要有以下几个方面：', 'Kafka能够实现高吞吐主要有哪几个方面？'],
      [15, 'Django请求生命周期的大致过程如下：', 'Django请求生命周期的大致过程是怎样的？'],
    ]);
    // Prose indented for layout is de-indented, so markdown does not render it as code.
    expect(units[1]!.answer).toBe('分布式架构');
    expect(units[1]!.code).toEqual([]);
  });

  it('skips YAML front matter', () => {
    const { units } = parse(doc('---', 'title: 面试题', 'categories:', '- 面试准备', '---', '', '#### 反转数字', '', '```python', 'print(1)', '```'));
    expect(units).toHaveLength(1);
    expect(units[0]!.line).toBe(7);
  });

  it('infers a title for an empty heading followed only by code, and warns', () => {
    const { units, warnings } = parse(doc(
      '#### 元类',
      '',
      '元类是类的类。',
      '',
      '#### ',
      '',
      '```python',
      'def multi():',
      '    return [lambda x: i*x for i in range(4)]',
      '',
      'for m in multi():',
      '    print(m(3))',
      '```',
    ));
    expect(units[1]!.line).toBe(5);
    expect(units[1]!.title).toBe('下面的代码（multi）输出什么？为什么？');
    expect(warnings).toContainEqual({ doc: 't.md', line: 5, message: expect.stringMatching(/empty heading; title inferred/) });
  });

  it('splits off a question that stands as a plain line inside another section', () => {
    const { units } = parse(doc(
      '#### RabbitMQ',
      '',
      'RabbitMQ 是一种消息中间件。',
      '',
      '    异步任务处理',
      '',
      '`RabbitMQ`是怎么实现`消费幂等`',
      '',
      '    消费端记录 message id。',
      '',
      '那么为什么要这样做？',
      '',
      '    因为会重复投递。',
    ));
    expect(units.map((u) => [u.line, u.title])).toEqual([
      [1, 'RabbitMQ'],
      [7, 'RabbitMQ是怎么实现消费幂等'],
    ]);
    expect(units[0]!.answer).not.toMatch(/消费幂等/);
    // A line that continues the discussion ("那么……") stays part of the answer.
    expect(units[1]!.answer).toMatch(/那么为什么要这样做？/);
  });

  it('never reads # lines inside fenced code as headings', () => {
    const { units } = parse(doc(
      '#### 1. 如何实现分布式锁？',
      '',
      '```python',
      '# 示例',
      '# 获取锁',
      'lock.acquire()',
      '```',
      '',
      '#### 2. 如何实现分布式队列？',
      '',
      '**答案：** 用 Kafka。',
    ));
    expect(units.map((u) => u.title)).toEqual(['如何实现分布式锁？', '如何实现分布式队列？']);
    expect(units[0]!.code[0]!.source).toBe('# 示例\n# 获取锁\nlock.acquire()');
  });

  it('turns indented unfenced code into a fenced block of the right language', () => {
    const { units } = parse(doc(
      '#### Mysql怎么限制IP访问',
      '',
      '可以使用以下命令：',
      '',
      "    GRANT ALL PRIVILEGES ON db.* TO 'u'@'ip' IDENTIFIED BY 'p';",
      '',
      '        database_name是数据库名',
      '',
      '添加完记录后执行：',
      '',
      '    FLUSH PRIVILEGES;',
    ));
    const u = units[0]!;
    expect(u.code.map((c) => c.lang)).toEqual(['sql', 'sql']);
    expect(u.answer).toContain("```sql\nGRANT ALL PRIVILEGES ON db.* TO 'u'@'ip' IDENTIFIED BY 'p';\n```");
    expect(u.answer).toContain('\ndatabase_name是数据库名\n');
  });

  it('accepts fences with trailing spaces and fixes a wrong language tag, with a warning', () => {
    const { units, warnings } = parse(doc(
      '### 32. 什么是分布式调度系统？',
      '',
      '```python   ',
      'def f():',
      '    return 1',
      '```  ',
      '',
      '```bash',
      'apiVersion: apps/v1',
      'kind: Deployment',
      '```',
    ));
    expect(units[0]!.code.map((c) => c.lang)).toEqual(['python', 'yaml']);
    expect(warnings).toContainEqual({ doc: 't.md', line: 8, message: 'code block tagged "bash" reads as yaml; treated as yaml' });
  });

  it('leaves out placeholder code that holds only comments, with a warning', () => {
    const { units, warnings } = parse(doc('##### 1. 如何实现一个分布式事务？', '', '**答案：** 两阶段提交：', '', '```go', '// 两阶段提交（2PC）实现示例（简化版）', '```'));
    expect(units[0]!.code).toEqual([]);
    expect(warnings.map((w) => w.line)).toEqual([5]);
  });

  it('marks a document that ends mid-sentence, and warns', () => {
    const { units, warnings } = parse(doc('### 1. 什么是分布式调度系统？', '', '**解析：** 它负责管理一个名为 `my-deployment` 的 Pod 集'));
    expect(units[0]!.truncated).toBe(true);
    expect(warnings).toContainEqual({ doc: 't.md', line: 3, message: 'document ends mid-sentence; the last answer is incomplete' });
    expect(parse(doc('### 1. 什么是X？', '', '它是一种机制。')).units[0]!.truncated).toBe(false);
  });

  it('warns about a fence that is never closed and keeps the code', () => {
    const { units, warnings } = parse(doc('#### 1. 如何实现？', '', '```python', 'def f():', '    return 1'));
    expect(units[0]!.code[0]!.source).toBe('def f():\n    return 1');
    expect(warnings.some((w) => /never closed/.test(w.message))).toBe(true);
  });

  it('drops images that point to the network and stray <br> lines', () => {
    const { units } = parse(doc('#### TCP滑动窗口', '', '<br>', '', '滑动窗口用于流量控制。', '', '![](https://example.com/tcp.png)'));
    expect(units[0]!.answer).toBe('滑动窗口用于流量控制。');
  });
});

describe('parser: the five documents', () => {
  const counts: Record<string, number> = {
    '000_75e8f1775bef099b.txt': 40,
    '001_d26cd64de10e0229.txt': 40,
    '002_c0f9e7441a648cb4.txt': 46,
    '003_f1efb83ef02286e6.txt': 79,
    '004_9f3b583a6e7779ee.txt': 30,
  };
  for (const [name, n] of Object.entries(counts)) {
    it(`${name} has ${n} question units`, () => {
      expect(parseDocument(name, source(name)).units).toHaveLength(n);
    });
  }

  it('records the 1-based line of each title', () => {
    const lines = parseDocument('003', source('003_f1efb83ef02286e6.txt')).units.map((u) => u.line);
    expect(lines.slice(0, 3)).toEqual([17, 55, 68]);
    expect(lines).toContain(666); // the empty heading
    expect(lines).toContain(2982); // the plain-line question inside the RabbitMQ section
    const text = source('003_f1efb83ef02286e6.txt').split('\n');
    expect(text[2982 - 1]).toBe('`RabbitMQ`是怎么实现`消费幂等`');
  });

  it('finds the truncated ending of 002', () => {
    const { units } = parseDocument('002', source('002_c0f9e7441a648cb4.txt'));
    expect(units.at(-1)!.truncated).toBe(true);
    expect(units.filter((u) => u.truncated)).toHaveLength(1);
  });
});

describe('toQuestion', () => {
  it.each([
    ['什么是分布式锁？', '什么是分布式锁？'],
    ['python如何实现单例模式?请写出两种实现方式?', 'python如何实现单例模式？请写出两种实现方式？'],
    ['Python 3 中有以下几种内置数据结构类型：', 'Python 3 中有哪几种内置数据结构类型？'],
    ['用Socket套接字需要传入以下参数：', '用Socket套接字需要传入哪些参数？'],
    ['用浏览器访问www.baidu.com的过程如下：', '用浏览器访问www.baidu.com的过程是怎样的？'],
    ['python 面向对象有三大特性：封装、继承、多态', 'python 面向对象有哪三大特性？'],
    ['位图和布隆过滤器都是用于快速判断某个元素是否存在的数据结构，但是它们之间存在一定的区别。', '位图和布隆过滤器有什么区别？'],
    ['HTTP协议头部中表示数据类型的字段是Content-Type', 'HTTP协议头部中表示数据类型的字段是什么？'],
    ['列表切片操作不会抛出IndexError异常', '为什么列表切片操作不会抛出IndexError异常？'],
    ['反转数字', '请编写代码：反转数字。'],
    ['HDFS', '请讲讲HDFS。'],
    ['对Flask蓝图(Blueprint)的理解', '谈谈你对Flask蓝图(Blueprint)的理解。'],
    ['Django、Flask、Tornado, fastapi 的对比', '请对比Django、Flask、Tornado, fastapi。'],
    ['HTTP和HTTPS区别', 'HTTP和HTTPS区别是什么？'],
  ])('%s -> %s', (title, question) => {
    expect(toQuestion(title)).toBe(question);
  });
});
