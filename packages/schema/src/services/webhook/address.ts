import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { lookup as dnsLookupAsync } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/**
 * Addresses a webhook may not reach unless WEBHOOK_ALLOW_PRIVATE=1: this host (loopback, "this
 * network"), link-local (cloud metadata at 169.254.169.254), private and carrier-grade NAT ranges,
 * multicast and reserved. IPv4-mapped IPv6 is refused whole: it is a second spelling of IPv4.
 * Two lists: Node's BlockList matches IPv4 addresses against IPv4-mapped IPv6 rules.
 */
function blockList(family: 'ipv4' | 'ipv6', subnets: readonly (readonly [string, number])[]): BlockList {
  const list = new BlockList();
  for (const [net, bits] of subnets) list.addSubnet(net, bits, family);
  return list;
}
const PRIVATE_V4 = blockList('ipv4', [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 3],
]);
const PRIVATE_V6 = blockList('ipv6', [
  ['::', 127],
  ['::ffff:0:0', 96],
  ['64:ff9b::', 96],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
]);

export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return PRIVATE_V4.check(address, 'ipv4');
  if (family === 6) return PRIVATE_V6.check(address, 'ipv6');
  return true;
}

export class PrivateAddressError extends Error {
  readonly code = 'EWEBHOOKPRIVATE';
  constructor(host: string, address: string) {
    super(`${host} resolves to ${address}, a loopback, link-local or private address (set WEBHOOK_ALLOW_PRIVATE=1 to allow it).`);
  }
}

/** The host of a URL as the resolver wants it (no IPv6 brackets). */
export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

/** Every address the host resolves to; the first private one, if any. */
export async function firstPrivateAddress(host: string): Promise<string | null> {
  const addresses = isIP(host) ? [{ address: host }] : await dnsLookupAsync(host, { all: true, verbatim: true });
  return addresses.find((a) => isPrivateAddress(a.address))?.address ?? null;
}

/**
 * A `lookup` for http.request that refuses private addresses: the check is on the address the
 * socket connects to, so a name that resolved to a public address when the endpoint was added and
 * to 127.0.0.1 later (DNS rebinding) is still refused.
 */
export function guardedLookup(
  hostname: string,
  options: { all?: boolean; family?: number | string },
  callback: (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
): void {
  dnsLookup(hostname, { ...options, all: true, verbatim: true } as never, (error, addresses: LookupAddress[]) => {
    if (error) return callback(error, []);
    const refused = addresses.find((a) => isPrivateAddress(a.address));
    if (refused) return callback(new PrivateAddressError(hostname, refused.address) as NodeJS.ErrnoException, []);
    if (options.all) return callback(null, addresses);
    const first = addresses[0]!;
    callback(null, first.address, first.family);
  });
}
