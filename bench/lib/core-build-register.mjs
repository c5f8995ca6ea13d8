// `build` and `coreSrc` are file URLs. Loaded with `--import` in a worker when the benchmark measures the tsc build of @webraft/core
// (bench/dist/core-build, made by run.ts): routes `@webraft/core` there. See core-build-hooks.mjs.
import { register } from 'node:module';

register('./core-build-hooks.mjs', import.meta.url, {
  data: { build: process.env.WEBRAFT_BENCH_CORE_BUILD, coreSrc: process.env.WEBRAFT_BENCH_CORE_SRC },
});
