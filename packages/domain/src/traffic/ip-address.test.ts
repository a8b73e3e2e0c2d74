import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { cidrContains, parseCidr, parseIpInto } from './ip-address.js';

function words(ip: string): number[] | undefined {
  const out = new Uint32Array(4);
  return parseIpInto(ip, out) ? [...out] : undefined;
}

function inRange(cidr: string, ip: string): boolean {
  const range = parseCidr(cidr);
  assert.ok(range, `${cidr} should parse`);
  const out = new Uint32Array(4);
  assert.ok(parseIpInto(ip, out), `${ip} should parse`);
  return cidrContains(range, out);
}

describe('parseIpInto', () => {
  test('parseIpInto reads IPv4 as the IPv4-mapped IPv6 address', () => {
    assert.deepEqual(words('10.0.0.1'), [0, 0, 0xffff, 0x0a000001]);
    assert.deepEqual(words('255.255.255.255'), [0, 0, 0xffff, 0xffffffff]);
    assert.deepEqual(words('::ffff:10.0.0.1'), words('10.0.0.1'));
    assert.deepEqual(words('::ffff:a00:1'), words('10.0.0.1'));
  });

  test('parseIpInto reads full, compressed and zoned IPv6', () => {
    assert.deepEqual(words('2001:db8:0:0:0:0:0:1'), [0x20010db8, 0, 0, 1]);
    assert.deepEqual(words('2001:DB8::1'), [0x20010db8, 0, 0, 1]);
    assert.deepEqual(words('::'), [0, 0, 0, 0]);
    assert.deepEqual(words('::1'), [0, 0, 0, 1]);
    assert.deepEqual(words('fe80::'), [0xfe800000, 0, 0, 0]);
    assert.deepEqual(words('fe80::1%eth0'), [0xfe800000, 0, 0, 1]);
    assert.deepEqual(words('1:2:3:4:5:6:7:8'), [0x00010002, 0x00030004, 0x00050006, 0x00070008]);
    assert.deepEqual(words('1::7:8'), [0x00010000, 0, 0, 0x00070008]);
  });

  test('parseIpInto rejects malformed addresses', () => {
    for (const bad of [
      '', '1.2.3', '1.2.3.4.5', '256.0.0.1', '01.2.3.4', '1.2.3.4 ', 'a.b.c.d', '1..2.3',
      ':', ':::', '1:::2', '1::2::3', ':1::', '1:2:3:4:5:6:7', '1:2:3:4:5:6:7:8:9', '1::2:3:4:5:6:7:8',
      '12345::', 'g::1', '1:', '::ffff:1.2.3', '::ffff:1.2.3.4:5', 'x', '%eth0',
    ]) {
      assert.equal(words(bad), undefined, bad);
    }
  });
});

describe('parseCidr', () => {
  test('parseCidr matches IPv4 ranges at their edges', () => {
    assert.equal(inRange('10.0.0.0/8', '10.0.0.0'), true);
    assert.equal(inRange('10.0.0.0/8', '10.255.255.255'), true);
    assert.equal(inRange('10.0.0.0/8', '11.0.0.0'), false);
    assert.equal(inRange('10.0.0.0/8', '9.255.255.255'), false);
    assert.equal(inRange('192.168.1.7/32', '192.168.1.7'), true);
    assert.equal(inRange('192.168.1.7/32', '192.168.1.8'), false);
    assert.equal(inRange('192.168.1.7', '192.168.1.7'), true, 'a bare address is a /32');
    assert.equal(inRange('172.16.0.0/12', '172.31.255.255'), true);
    assert.equal(inRange('172.16.0.0/12', '172.32.0.0'), false);
  });

  test('parseCidr ignores host bits below the prefix', () => {
    assert.equal(inRange('10.1.2.3/8', '10.200.0.1'), true);
  });

  test('parseCidr: an IPv4 range matches IPv4-mapped IPv6 clients, never native IPv6', () => {
    assert.equal(inRange('10.0.0.0/8', '::ffff:10.0.0.1'), true);
    assert.equal(inRange('0.0.0.0/0', '::ffff:1.2.3.4'), true);
    assert.equal(inRange('0.0.0.0/0', '::1'), false);
    assert.equal(inRange('0.0.0.0/0', '2001:db8::1'), false);
    assert.equal(inRange('::ffff:10.0.0.0/104', '10.9.9.9'), true);
  });

  test('parseCidr matches IPv6 ranges at their edges', () => {
    assert.equal(inRange('2001:db8::/32', '2001:db8::1'), true);
    assert.equal(inRange('2001:db8::/32', '2001:db8:ffff:ffff:ffff:ffff:ffff:ffff'), true);
    assert.equal(inRange('2001:db8::/32', '2001:db9::'), false);
    assert.equal(inRange('::/0', '10.0.0.1'), true, '::/0 holds every address, IPv4-mapped included');
    assert.equal(inRange('::1/128', '::1'), true);
    assert.equal(inRange('::1/128', '::2'), false);
    assert.equal(inRange('fe80::/10', 'febf::1'), true);
    assert.equal(inRange('fe80::/10', 'fec0::1'), false);
    assert.equal(inRange('2001:db8::/33', '2001:db8:8000::'), false);
    assert.equal(inRange('2001:db8::/33', '2001:db8:7fff::'), true);
  });

  test('parseCidr rejects malformed ranges', () => {
    for (const bad of ['10.0.0.0/33', '10.0.0.0/', '10.0.0.0/-1', '10.0.0.0/08', '::/129', '10.0.0/8', 'fe80::1%eth0/64', 'x/8', '10.0.0.0/8/8']) {
      assert.equal(parseCidr(bad), undefined, bad);
    }
  });
});
