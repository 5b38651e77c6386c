import { MandateError } from '../../src/errors.js';
import { Catalogue } from '../../src/intent/catalogue.js';
import { selectResource, type ResourceNames } from '../../src/intent/select-resource.js';

const catalogue = Catalogue.fromConfig({
  tickets: {
    audience: 'https://tickets.example',
    kind: 'api',
    sensitivity: 'internal',
    scopes: { 'tickets:read': 'read' },
  },
  docs: {
    audience: 'https://docs.example/api',
    kind: 'api',
    sensitivity: 'public',
    scopes: { 'docs:read': 'read' },
  },
});

const refusal = (names: ResourceNames): { code: string; message: string } => {
  try {
    selectResource(names, catalogue);
  } catch (err) {
    if (err instanceof MandateError) return { code: err.code, message: err.message };
    throw err;
  }
  throw new Error('selected a resource');
};

describe('selectResource: the one resource a request names', () => {
  it('takes audience (name or URI), resource (URI) or locations alone', () => {
    expect(selectResource({ audience: 'tickets' }, catalogue).name).toBe('tickets');
    expect(selectResource({ audience: 'https://docs.example/api' }, catalogue).name).toBe('docs');
    expect(selectResource({ resource: 'https://tickets.example' }, catalogue).name).toBe('tickets');
    expect(selectResource({ locations: ['https://docs.example/api'] }, catalogue).name).toBe(
      'docs',
    );
  });

  it('accepts audience, resource and locations that agree', () => {
    const names = {
      audience: 'tickets',
      resource: 'https://tickets.example',
      locations: ['https://tickets.example', 'https://tickets.example'],
    };
    expect(selectResource(names, catalogue).name).toBe('tickets');
  });

  it('refuses audience and resource naming different resources with invalid_target', () => {
    expect(refusal({ audience: 'tickets', resource: 'https://docs.example/api' })).toEqual({
      code: 'invalid_target',
      message:
        'audience names https://tickets.example and resource names https://docs.example/api: a token has one audience',
    });
  });

  it('refuses an unknown resource, and a resource given as a name, with invalid_target', () => {
    expect(refusal({ resource: 'https://billing.example' })).toEqual({
      code: 'invalid_target',
      message: 'resource "https://billing.example" is not served by this broker',
    });
    // RFC 8707 names resources by URI; the catalogue name is for `audience` only
    expect(refusal({ resource: 'tickets' }).code).toBe('invalid_target');
    expect(refusal({ audience: 'billing' }).code).toBe('invalid_target');
  });

  it('refuses locations naming several resources, or an unknown one, with invalid_authorization_details', () => {
    expect(refusal({ locations: ['https://tickets.example', 'https://docs.example/api'] })).toEqual(
      {
        code: 'invalid_authorization_details',
        message:
          'authorization_details name https://tickets.example and https://docs.example/api: a token has one audience; ask for one token per resource',
      },
    );
    expect(
      refusal({ resource: 'https://tickets.example', locations: ['https://docs.example/api'] }),
    ).toMatchObject({ code: 'invalid_authorization_details' });
    expect(refusal({ locations: ['https://billing.example'] })).toEqual({
      code: 'invalid_authorization_details',
      message:
        'authorization_details location "https://billing.example" is not a resource of this broker',
    });
  });

  it('refuses a request naming no resource at all', () => {
    expect(refusal({})).toMatchObject({ code: 'invalid_request' });
  });
});
