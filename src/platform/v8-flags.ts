import { setFlagsFromString } from 'node:v8';

// Cedar's wasm build makes V8's optimiser on Node 20 abort ("unreachable code" in the
// deoptimizer) when it inlines JS-to-wasm calls in a hot request handler. Turning that inlining
// off before Cedar first runs stops it. Import this module before anything that loads Cedar.
setFlagsFromString('--no-turbo-inline-js-wasm-calls');
