// Preloaded into the app by the soak bench (`NODE_OPTIONS=--import …/heap-reporter.mjs`): prints the V8 heap in use
// every 5 s on stderr (`soak-heap <bytes>`), which the bench reads from the app's output.
setInterval(() => {
  process.stderr.write(`soak-heap ${process.memoryUsage().heapUsed}\n`);
}, 5_000).unref();
