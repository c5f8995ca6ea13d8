// Module resolution hooks: `@webraft/core` (and `@webraft/core/testing`) resolve to the tsc output in
// `build`, and bare imports made from that output (nanoevents) resolve as if from the package itself.
let build = '';
let coreSrc = '';

export function initialize(data) {
  build = data.build;
  coreSrc = data.coreSrc;
}

export async function resolve(specifier, context, nextResolve) {
  if (specifier === '@webraft/core') return { url: new URL('index.js', build).href, shortCircuit: true };
  if (specifier === '@webraft/core/testing') {
    return { url: new URL('testing/index.js', build).href, shortCircuit: true };
  }
  const bare = !/^(\.|\/|[a-z][a-z0-9+.-]*:)/i.test(specifier);
  if (bare && context.parentURL?.startsWith(build)) {
    return nextResolve(specifier, { ...context, parentURL: coreSrc });
  }
  return nextResolve(specifier, context);
}
