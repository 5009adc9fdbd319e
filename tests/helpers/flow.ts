// Drives a FlowNetwork directly: messages sent at given instants, delivery instants recorded.
import { Engine } from '../../src/engine/index.ts';
import { FlowNetwork, type Topology } from '../../src/network/index.ts';

export interface Msg { t: number; src: number; dst: number; bytes: number; extra?: number }

/** Sends each message at its time (in list order within an instant) and returns each one's delivery time. */
export function simulate(topology: Topology, msgs: readonly Msg[], observer?: (net: FlowNetwork) => void) {
  const engine = new Engine();
  const at = new Array<number>(msgs.length).fill(-1);
  let duplicates = 0;
  const recv = engine.register({ onEvent(i: number) { if (at[i]! >= 0) duplicates++; at[i] = engine.now; } });
  const net = new FlowNetwork(engine, topology, observer ? { observer } : {});
  const driver = engine.register({
    onEvent(i: number) {
      const m = msgs[i]!;
      net.send(m.src, m.dst, m.bytes, recv, i, 0, 0, m.extra ?? 0);
    },
  });
  msgs.forEach((m, i) => engine.scheduleAt(m.t, driver, i));
  const run = engine.run();
  return { at, duplicates, net, engine, run };
}

