// The default machine fingerprint: an identifier the operating system keeps for the installation,
// hashed, so that the same machine gives the same value across restarts, users and plug-in updates,
// and the raw identifier never leaves the machine.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { hostname, networkInterfaces, platform, userInfo } from 'node:os';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface FingerprintSource {
  /** Which identifier was used, e.g. `linux:/etc/machine-id`; part of the hash. */
  source: string;
  value: string;
}

async function firstFile(paths: string[]): Promise<FingerprintSource | null> {
  for (const path of paths) {
    const value = await readFile(path, 'utf8').then((text) => text.trim(), () => '');
    if (value) return { source: `file:${path}`, value };
  }
  return null;
}

async function command(file: string, args: string[], pattern: RegExp, source: string): Promise<FingerprintSource | null> {
  try {
    const { stdout } = await run(file, args, { timeout: 5_000, windowsHide: true });
    const value = pattern.exec(stdout)?.[1]?.trim();
    return value ? { source, value } : null;
  } catch {
    return null;
  }
}

/**
 * The installation's identifier: Windows `MachineGuid` (registry, 64-bit view), macOS
 * `IOPlatformUUID`, Linux/BSD `machine-id`. When none can be read: the host name and the hardware
 * addresses of the physical network interfaces (less stable: a new network card changes it).
 */
export async function fingerprintSource(): Promise<FingerprintSource> {
  const os = platform();
  const found =
    os === 'win32'
      ? await command(
          'reg',
          ['query', 'HKLM\\SOFTWARE\\Microsoft\\Cryptography', '/v', 'MachineGuid', '/reg:64'],
          /MachineGuid\s+REG_SZ\s+(\S+)/,
          'win32:MachineGuid',
        )
      : os === 'darwin'
        ? await command('ioreg', ['-rd1', '-c', 'IOPlatformExpertDevice'], /"IOPlatformUUID"\s*=\s*"([^"]+)"/, 'darwin:IOPlatformUUID')
        : await firstFile(['/etc/machine-id', '/var/lib/dbus/machine-id', '/etc/hostid']);
  if (found) return found;
  const macs = Object.values(networkInterfaces())
    .flat()
    .filter((nic) => nic && !nic.internal && nic.mac !== '00:00:00:00:00:00')
    .map((nic) => nic!.mac);
  return { source: 'hostname+mac', value: [hostname(), ...[...new Set(macs)].sort()].join(',') };
}

/** This machine's fingerprint: hex SHA-256 of the platform, the source and its identifier (each client computes it once). */
export async function machineFingerprint(): Promise<string> {
  const { source, value } = await fingerprintSource();
  return createHash('sha256').update(`slotkeeper-fingerprint/v1\0${platform()}\0${source}\0${value}`).digest('hex');
}

/** Shown in the license manager beside each slot. */
export function machineName(): string {
  return hostname();
}

export function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    // No passwd entry (some containers): the environment still names the user.
    return process.env.USER ?? process.env.USERNAME ?? 'unknown';
  }
}
