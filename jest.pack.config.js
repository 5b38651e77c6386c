// `npm run test:pack`: packs every package, installs the tarballs into an empty project and
// uses them as a user would. Slow (npm pack and install), so not part of `npm test`.
import { PACK, shared } from './jest.config.js';

/** @type {import('jest').Config} */
export default { ...shared, testMatch: [PACK], testTimeout: 120_000 };
