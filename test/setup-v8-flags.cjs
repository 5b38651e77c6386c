// Cedar's wasm crashes V8's optimiser on Node 20 under load; every process that evaluates
// policy turns inlining of JS-to-wasm calls off before Cedar first runs (see src/platform/v8-flags.ts).
require('node:v8').setFlagsFromString('--no-turbo-inline-js-wasm-calls');
