import * as config from '../../src/config/schema.js';
import { SCOPE_CLASSES, SENSITIVITIES } from '../../src/intent/tiers.js';
import { OPERATOR_ROLES } from '../../src/operators/operator.js';

// Config spells the words its file accepts; the domain owns their meaning and order. A word the
// file accepts but the domain does not know (or the reverse) would be a config that validates
// and then fails, or a tier no operator can configure.
describe('the words of the config file', () => {
  it.each([
    ['scope classes', config.SCOPE_CLASSES, SCOPE_CLASSES],
    ['sensitivities', config.SENSITIVITIES, SENSITIVITIES],
    ['operator roles', config.OPERATOR_ROLES, OPERATOR_ROLES],
  ])('are the %s the domain knows', (_, accepted, known) => {
    expect([...accepted].sort()).toEqual([...known].sort());
  });
});
