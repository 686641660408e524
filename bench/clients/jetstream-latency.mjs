// Raw NATS JetStream publish-to-consume latency, the propagation benchmark's reference: a scratch
// stream of its own, a publisher on one connection (awaiting each publish's ack, as the control
// plane's publisher does) and an ordered consumer on another from sequence 1 (as the edge's
// JetStream transport starts at a sequence), `count` messages one every `everyMs`; each carries its publish time (process.hrtime).
// The stream is deleted at the end.
//
//   node bench/clients/jetstream-latency.mjs '{"natsUrl":"nats://127.0.0.1:4222","stream":"S","count":100,"everyMs":100}'
//
// Prints one JSON line: { latenciesMs: [...], ackMs: [...] }.
import { connect, DeliverPolicy } from 'nats';

const order = JSON.parse(process.argv[2]);
const subject = `berth.bench.raw.${order.stream.toLowerCase()}`;
const nowNs = () => process.hrtime.bigint();

const publisher = await connect({ servers: order.natsUrl, name: 'berth-bench-raw-publisher' });
const subscriber = await connect({ servers: order.natsUrl, name: 'berth-bench-raw-consumer' });
const jsm = await publisher.jetstreamManager();
await jsm.streams.add({ name: order.stream, subjects: [subject] });
// Stopped early (the run interrupted): the scratch stream goes anyway.
process.once('SIGTERM', () => void jsm.streams.delete(order.stream).catch(() => {}).finally(() => process.exit(143)));
try {
  const consumer = await subscriber.jetstream().consumers.get(order.stream, { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: 1, filterSubjects: subject });
  const messages = await consumer.consume();
  const latenciesMs = [];
  const received = (async () => {
    for await (const message of messages) {
      latenciesMs.push(Number(nowNs() - BigInt(message.string())) / 1e6);
      if (latenciesMs.length === order.count) break;
    }
  })();
  const js = publisher.jetstream();
  const ackMs = [];
  const start = performance.now();
  for (let i = 0; i < order.count; i++) {
    const wait = (i + 1) * order.everyMs - (performance.now() - start);
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const sent = nowNs();
    await js.publish(subject, String(sent), { msgID: `raw-${i}` });
    ackMs.push(Number(nowNs() - sent) / 1e6);
  }
  const timeout = new Promise((resolve) => setTimeout(resolve, 5_000, 'timeout'));
  if ((await Promise.race([received, timeout])) === 'timeout') messages.stop();
  console.log(JSON.stringify({ latenciesMs, ackMs }));
} finally {
  await jsm.streams.delete(order.stream).catch(() => {});
  await publisher.close();
  await subscriber.close();
}
