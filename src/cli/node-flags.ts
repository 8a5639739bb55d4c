/**
 * The V8 flags kubeproof runs under: bin/kubeproof passes exactly these to node (a test checks), and the
 * benchmarks start their kubeproof children with them, so what is measured is what ships.
 *
 * `--max-semi-space-size=16` caps the young generation at 16 MiB per semi-space. Left to itself, V8 sizes
 * it from the machine's memory (64 MiB semi-spaces on a 24 GiB host, so a 128 MiB new space), which
 * lets a live scan's garbage (response pages, parsed items, render buffers) pile up before it is
 * collected: on the live-cluster bench (20,000 pods) the full path peaked at 559-578 MiB without the
 * flag and 465-489 MiB with it, at the same speed (docs/benchmarks.md). It also makes the footprint
 * the same on a large node as in a small container.
 */
export const NODE_FLAGS: readonly string[] = ['--max-semi-space-size=16'];
