// A question's kind, topics and difficulty, estimated from its words and its reference answer.
// These are defaults: a curated rubric may say otherwise, and the rubric wins.
import type { CodeBlock } from './parse.ts';

export const KINDS = ['concept', 'design', 'coding'] as const;
export type Kind = (typeof KINDS)[number];

export const DIFFICULTIES = ['easy', 'medium', 'hard'] as const;
export type Difficulty = (typeof DIFFICULTIES)[number];

export const TOPICS = {
  'distributed-systems': { zh: '分布式系统', en: 'Distributed systems' },
  'system-design': { zh: '系统设计', en: 'System design' },
  databases: { zh: '数据库', en: 'Databases' },
  networking: { zh: '网络', en: 'Networking' },
  python: { zh: 'Python', en: 'Python' },
  'web-frameworks': { zh: 'Web 框架', en: 'Web frameworks' },
  blockchain: { zh: '区块链', en: 'Blockchain' },
  'open-source': { zh: '开源', en: 'Open source' },
  algorithms: { zh: '算法与数据结构', en: 'Algorithms & data structures' },
  'operating-systems': { zh: '操作系统与并发', en: 'Operating systems & concurrency' },
  messaging: { zh: '消息队列', en: 'Messaging' },
} as const;
export type Topic = keyof typeof TOPICS;

// Words that place a question in a topic. A hit in the title counts three times a hit in the answer.
const TOPIC_WORDS: Record<Topic, RegExp> = {
  'distributed-systems': /分布式|一致性哈希|一致性|共识|paxos|raft|拜占庭|状态机复制|两阶段提交|2pc|gossip|分片|副本|zookeeper|etcd|单点故障|cap\b|集群/gi,
  'system-design': /设计|架构|高可用|健壮性|迁移|方案|海量|高吞吐|扩展性|限流|负载均衡|缓存系统|系统设计|微服务|if else/gi,
  databases: /数据库|mysql|innodb|myisam|mvcc|索引|sql|mongodb|cassandra|事务|redis|hbase|hdfs/gi,
  networking: /tcp|udp|http|https|ssl|tls|socket|url|dns|cookie|session|jwt|状态码|请求头|请求方法|2msl|滑动窗口|多路复用|grpc|rest\b|网络|协议/gi,
  python: /python|defaultdict|列表|字典|元组|生成器|协程|闭包|装饰器|元类|metaclass|__dict__|\bdir\b|gil|cython|pypy|新式类|作用域|legb|切片|yield|单例|list|tuple|dict\b|\bis\b/gi,
  'web-frameworks': /flask|django|tornado|fastapi|wsgi|uwsgi|蓝图|路由映射/gi,
  blockchain: /区块链|智能合约|去中心化|以太坊|solidity|比特币|ipfs|dapp|交易所/gi,
  'open-source': /开源/gi,
  algorithms: /算法|排序|反转|合并|lru|遍历|打乱|哈希表|链表|位图|布隆过滤器|高频词|重复次数|数据结构/gi,
  'operating-systems': /进程|线程|僵尸|孤儿|内存|垃圾回收|io多路复用|i\/o|select|epoll|管道|共享内存/gi,
  messaging: /消息队列|队列|kafka|rabbitmq|幂等|生产者|消费者|broker/gi,
};

// Code that needs a live service (a database, a broker, a chain) cannot be run as a
// self-contained exercise; such "implement X" questions are design questions.
const NEEDS_SERVICE = /\b(import|from)\s+(redis|kafka|kazoo|pymongo|pika|kombu|flask|django|requests|pyspark|cassandra|web3|ipfshttpclient|pyflink|celery|zookeeper|etcd3?|boto3|sqlalchemy|psycopg2|pymysql)\b|pragma solidity|KafkaProducer|MongoClient|redis\.|\bzk\./;
const RUNNABLE = new Set(['python', 'javascript', 'typescript', 'java', 'go']);

export interface Classified {
  kind: Kind;
  topics: Topic[];
  difficulty: Difficulty;
}

export function classify(q: { title: string; prompt: string; answer: string; code: CodeBlock[] }): Classified {
  const title = `${q.title}\n${q.prompt}`.toLowerCase();
  const body = q.answer.toLowerCase();
  const kind = classifyKind(q.title, q.prompt, q.code);

  const scores = (Object.keys(TOPIC_WORDS) as Topic[]).map((t) => {
    const inTitle = title.match(TOPIC_WORDS[t])?.length ?? 0;
    const inBody = body.match(TOPIC_WORDS[t])?.length ?? 0;
    return { t, score: 3 * inTitle + Math.min(inBody, 6) };
  });
  scores.sort((a, b) => b.score - a.score || a.t.localeCompare(b.t));
  const best = scores[0]!.score;
  const topics = scores.filter((s) => s.score > 0 && s.score >= Math.max(3, best / 2)).slice(0, 3).map((s) => s.t);
  if (topics.length === 0) topics.push(best > 0 ? scores[0]!.t : 'system-design');
  if (kind === 'coding' && !topics.includes('algorithms') && topics.length < 3) topics.push('algorithms');

  return { kind, topics, difficulty: estimateDifficulty(q, kind) };
}

function classifyKind(title: string, prompt: string, code: CodeBlock[]): Kind {
  const t = `${title} ${prompt}`;
  const runnable = code.filter((c) => RUNNABLE.has(c.lang));
  const selfContained = runnable.length > 0 && runnable.some((c) => !NEEDS_SERVICE.test(c.source));
  // "如何实现……" asks to build; "……实现……的方式" asks how something is done. The context
  // "在……中" is bounded: unbounded, it was sought to the end of the prompt after every 如何
  // (quadratic in a long prompt).
  const asksToBuild =
    /((如何|怎么|怎样)(在.{1,40}?中)?实现|^\s*实现|编写|写出|写一个|反转|合并|排序|打乱|遍历|判断|找出|转换成|删除元素)/.test(t) && !/实现\S*的(方式|方法|原理)/.test(title);
  const design = /(设计|架构|方案|迁移|海量|高可用|健壮性|单点故障|如何解决|如何优化|如何处理|如何保证|共享session|完善的分布式系统|if ?else)/i.test(t);
  if (/设计模式|观察者模式|输出什么/.test(t)) return 'concept';
  if (asksToBuild && selfContained && !/如何设计/.test(t)) return 'coding';
  if (design || (asksToBuild && /分布式|区块链|去中心化|系统/.test(t))) return 'design';
  return 'concept';
}

const HARD = /paxos|raft|拜占庭|一致性算法|状态机复制|分布式事务|mvcc|缓存一致性|一致性哈希|lru|去中心化交易所|安全审计|高吞吐|元类|metaclass|幂等|迁移/i;
const EASY = /什么是分布式(认知|计算|存储|搜索)|is 和|切片|打乱|两个列表|状态码|请求方法|请求头|url|常量|反转数字|字典按|输入日期|http和https|get和post|开源项目的(商业模式|市场营销|法律风险)/i;

function estimateDifficulty(q: { title: string; answer: string }, kind: Kind): Difficulty {
  let level = 1; // 0 easy, 1 medium, 2 hard
  if (HARD.test(q.title)) level++;
  if (EASY.test(q.title)) level--;
  if (kind === 'design' && level < 2 && /设计|方案|海量|一致性/.test(q.title)) level++;
  if (kind === 'concept' && q.answer.length < 120) level--;
  return DIFFICULTIES[Math.max(0, Math.min(2, level))]!;
}
