// Which core runs what on the 2-core benchmark machine. The proxy under test gets a core to
// itself; the upstream and the load generator share the other, so every proxy is measured with
// exactly one core and none of them competes with its own load.
export const PROXY_CPU = 1;
export const UPSTREAM_CPU = 0;
export const LOAD_CPU = 0;

/**
 * The one-connection latency client runs on the proxy's core. A request then crosses between the
 * cores twice both ways it is sent (client → upstream → client directly; client → proxy, proxy →
 * upstream → proxy, proxy → client through the proxy), so the cost of waking the other core (tens
 * of µs on a VM) is the same on both sides of the subtraction and the added latency is the
 * proxy's own. At one connection the client and the proxy never run at the same time.
 */
export const LATENCY_CPU = PROXY_CPU;
