// The README's C# webhook verifier ("Webhooks", "Headers and signature"), taken from the README as it
// stands, compiled with Mono's mcs and run on deliveries signed by the `standardwebhooks` package (what
// the server signs with): a vendor who pastes it into a .NET service gets the verdicts Standard
// Webhooks specifies, a rotated secret's two signatures included.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { afterAll, describe, expect, it } from 'vitest';

const onPath = (tool: string) => process.env.PATH!.split(':').some((dir) => existsSync(join(dir, tool)));
const mono = onPath('mcs') && onPath('mono');
if (!mono) console.warn('webhook-csharp.test.ts skipped: Mono is not installed (apt-get install -y mono-complete).');

/** The ```csharp block that follows "In C#" in the README's Webhooks section. */
function readmeVerifier(): string {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf('## Webhooks'));
  const match = /In C#[^\n]*\n+```csharp\n([\s\S]*?)```/.exec(section);
  if (!match) throw new Error('README: no ```csharp block after "In C#" in the Webhooks section');
  return match[1]!;
}

const PROGRAM = `
public static class Program
{
    // args: secret id timestamp signature-header body → prints True or False
    public static void Main(string[] args)
    {
        System.Console.WriteLine(SlotkeeperWebhook.Verify(args[0], args[1], args[2], args[3], args[4]));
    }
}
`;

const dir = mkdtempSync(join(tmpdir(), 'slotkeeper-webhook-cs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!mono)("the README's C# webhook verifier", () => {
  it('accepts what standardwebhooks signs and refuses tampered, foreign, stale and malformed deliveries', () => {
    writeFileSync(join(dir, 'Verifier.cs'), readmeVerifier());
    writeFileSync(join(dir, 'Program.cs'), PROGRAM);
    execFileSync('mcs', ['-nologo', '-warnaserror+', `-out:${join(dir, 'verify.exe')}`, join(dir, 'Verifier.cs'), join(dir, 'Program.cs')], { stdio: 'pipe' });
    const verify = (secret: string, id: string, timestamp: string, signature: string, body: string) =>
      execFileSync('mono', [join(dir, 'verify.exe'), secret, id, timestamp, signature, body], { encoding: 'utf8' }).trim();

    const secret = `whsec_${Buffer.from('a webhook secret of 32 bytes!!!!').toString('base64')}`;
    const rotated = `whsec_${Buffer.from('the next secret, also 32 bytes!!').toString('base64')}`;
    const body = JSON.stringify({ type: 'activation.created', data: { license: { id: 'lic_1', seats: 3 }, machineName: 'ÖFFICE-PC' } });
    const id = 'msg_2hM3kq';
    const now = new Date();
    const timestamp = String(Math.floor(now.getTime() / 1000));
    const signature = new Webhook(secret).sign(id, now, body);
    const stale = new Date(now.getTime() - 10 * 60_000);

    const verdicts = {
      genuine: verify(secret, id, timestamp, signature, body),
      'secret without whsec_': verify(secret.slice(6), id, timestamp, signature, body),
      'rotation: old and new signature': verify(rotated, id, timestamp, `${signature} ${new Webhook(rotated).sign(id, now, body)}`, body),
      'body changed': verify(secret, id, timestamp, signature, body.replace('"seats":3', '"seats":30')),
      'id changed': verify(secret, 'msg_other', timestamp, signature, body),
      'timestamp changed': verify(secret, id, String(Number(timestamp) + 1), signature, body),
      'another secret': verify(rotated, id, timestamp, signature, body),
      'stale (10 min)': verify(secret, id, String(Math.floor(stale.getTime() / 1000)), new Webhook(secret).sign(id, stale, body), body),
      'not v1': verify(secret, id, timestamp, signature.replace(/^v1,/, 'v2,'), body),
      'garbage signature': verify(secret, id, timestamp, 'v1,not-base64!!', body),
      'no timestamp': verify(secret, id, 'soon', signature, body),
    };
    console.log('README C# verifier on Mono:', verdicts);
    expect(verdicts).toEqual({
      genuine: 'True',
      'secret without whsec_': 'True',
      'rotation: old and new signature': 'True',
      'body changed': 'False',
      'id changed': 'False',
      'timestamp changed': 'False',
      'another secret': 'False',
      'stale (10 min)': 'False',
      'not v1': 'False',
      'garbage signature': 'False',
      'no timestamp': 'False',
    });
  }, 120_000);
});
