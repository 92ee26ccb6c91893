// Technical terms in Chinese and English that name the same thing, so a rubric written with
// Chinese phrasings credits an answer written in English, and the other way round. Each line is
// one concept: its Chinese names, then its English names. Matching folds width and case.
const LINES = `
一致性哈希|一致性hash|哈希环 = consistent hashing|consistent hash|hash ring
虚拟节点 = virtual node|vnode
分布式锁 = distributed lock
互斥 = mutual exclusion|mutex
过期时间|超时时间|ttl = expiration|expiry|ttl|timeout
原子|原子性|原子操作 = atomic|atomicity|atomically
租约 = lease
心跳 = heartbeat
临时节点 = ephemeral node|ephemeral znode
临时顺序节点 = ephemeral sequential node|sequential node
看门狗|续期 = watchdog|renewal|renew
负载均衡 = load balancing|load balancer
轮询 = round robin|round-robin
加权轮询 = weighted round robin
最少连接|最小连接数 = least connections
健康检查 = health check
两阶段提交 = two-phase commit|2pc
三阶段提交 = three-phase commit|3pc
最终一致性 = eventual consistency|eventually consistent
强一致性|线性一致性 = strong consistency|linearizability|linearizable
因果一致性 = causal consistency
顺序一致性 = sequential consistency
共识|共识算法 = consensus
拜占庭 = byzantine
状态机复制 = state machine replication
领导者选举|选主|选举 = leader election
日志复制 = log replication
多数派|法定人数|quorum = majority|quorum
主从复制 = master-slave replication|primary-replica replication|leader-follower replication
分片 = sharding|shard|partitioning
副本 = replica|replication
单点故障 = single point of failure|spof
故障转移 = failover
幂等|幂等性 = idempotent|idempotency|idempotence
消息队列 = message queue|mq
生产者 = producer
消费者 = consumer
消费者组 = consumer group
持久化 = persistence|durable|durability
顺序消费|有序 = ordering|ordered|in order
重试 = retry
去重 = deduplication|dedup
分布式事务 = distributed transaction
事务 = transaction
隔离级别 = isolation level
可重复读 = repeatable read
读已提交 = read committed
快照读 = snapshot read|consistent read
当前读 = current read|locking read
多版本并发控制 = mvcc|multi-version concurrency control
索引 = index
回表 = table lookup
缓存 = cache|caching
缓存穿透 = cache penetration
缓存击穿 = cache breakdown|hotspot invalid
缓存雪崩 = cache avalanche
淘汰策略|淘汰 = eviction policy|eviction
最近最少使用 = lru|least recently used
哈希表 = hash table|hash map
双向链表 = doubly linked list
三次握手 = three-way handshake|3-way handshake
四次挥手 = four-way handshake|four-way wave
滑动窗口 = sliding window
流量控制 = flow control
拥塞控制 = congestion control
确认 = acknowledgement|ack
可靠 = reliable|reliability
无连接 = connectionless
面向连接 = connection-oriented
对称加密 = symmetric encryption
非对称加密 = asymmetric encryption|public-key
证书 = certificate
签名 = signature|signed
垃圾回收 = garbage collection|gc
引用计数 = reference counting
标记清除 = mark and sweep|mark-sweep
分代回收|分代 = generational|generational garbage collection
循环引用 = reference cycle|circular reference
全局解释器锁 = gil|global interpreter lock
生成器 = generator
迭代器 = iterator
协程 = coroutine
装饰器 = decorator
闭包 = closure
元类 = metaclass
单例 = singleton
作用域 = scope
深拷贝 = deep copy
浅拷贝 = shallow copy
布隆过滤器 = bloom filter
位图 = bitmap
误判 = false positive
智能合约 = smart contract
区块链 = blockchain
去中心化 = decentralized|decentralised
哈希 = hash|hashing
时间复杂度 = time complexity
空间复杂度 = space complexity
递归 = recursion|recursive
`;

const GROUPS: string[][] = LINES.trim()
  .split('\n')
  .map((line) =>
    line
      .replace('=', '|')
      .split('|')
      .map((t) => t.trim().toLowerCase())
      .filter(Boolean),
  );

const BY_TERM = new Map<string, string[]>();
for (const group of GROUPS) for (const term of group) BY_TERM.set(term, group);

/** The term itself and every name the glossary gives the same concept. */
export function equivalents(term: string): string[] {
  const t = term.normalize('NFKC').toLowerCase().trim();
  return BY_TERM.get(t) ?? [t];
}

const TERMS = [...BY_TERM.keys()].filter((t) => t.length >= 2).sort((a, b) => b.length - a.length);

/** Every term the glossary knows, longest first (so a longer name wins over a part of it). */
export function glossaryTerms(): readonly string[] {
  return TERMS;
}
