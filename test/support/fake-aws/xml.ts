// STS and IAM answer the Query protocol in XML; these write the documented shapes.

const NAMESPACES = {
  sts: 'https://sts.amazonaws.com/doc/2011-06-15/',
  iam: 'https://iam.amazonaws.com/doc/2010-05-08/',
} as const;

type Value = string | { readonly [key: string]: Value };

function escape(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

function element(name: string, value: Value): string {
  const inner =
    typeof value === 'string'
      ? escape(value)
      : Object.entries(value)
          .map(([k, v]) => element(k, v))
          .join('');
  return `<${name}>${inner}</${name}>`;
}

/** `<ActionResponse><ActionResult>...</ActionResult><ResponseMetadata/></ActionResponse>`. */
export function resultXml(
  service: keyof typeof NAMESPACES,
  action: string,
  result?: Record<string, Value>,
): string {
  const body = result ? element(`${action}Result`, result) : '';
  return `<${action}Response xmlns="${NAMESPACES[service]}">${body}<ResponseMetadata><RequestId>00000000-0000-4000-8000-000000000000</RequestId></ResponseMetadata></${action}Response>`;
}

/** `<ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>`. */
export function errorXml(
  service: keyof typeof NAMESPACES,
  code: string,
  message: string,
  requestId: string,
): string {
  return `<ErrorResponse xmlns="${NAMESPACES[service]}"><Error><Type>Sender</Type><Code>${escape(code)}</Code><Message>${escape(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
}
