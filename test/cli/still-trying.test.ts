import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ConnectivityNotices, Reporter } from '../../src/cli/report';

/*
 * Issue 14.7: an --api-url that cannot be reached keeps the batch waiting (the network may come
 * back), but a person at the terminal is told, after a while and then now and again, that Kiln
 * cannot reach it and how to stop — a typo in the URL would otherwise look like a hang.
 */

function streams() {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let err = '';
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  const reporter = new Reporter(true, stdout as unknown as NodeJS.WriteStream, stderr as unknown as NodeJS.WriteStream);
  return { reporter, stderr: () => err };
}

const until = async (check: () => boolean) => {
  while (!check()) await new Promise((r) => setTimeout(r, 5));
};

describe('an API that cannot be reached', () => {
  it('says "cannot reach … — still trying; Ctrl+C to stop" after a while, and again later', async () => {
    const { reporter, stderr } = streams();
    const notices = new ConnectivityNotices(reporter, 'http://127.0.0.1:9/v1', { remindAfterMs: 10 });
    notices.update({ online: false, reason: 'connect ECONNREFUSED 127.0.0.1:9' });
    expect(stderr()).toBe('kiln: offline — waiting for the network (connect ECONNREFUSED 127.0.0.1:9)\n');
    await until(() => stderr().split('cannot reach').length > 2);
    expect(stderr()).toContain('kiln: cannot reach 127.0.0.1:9 — still trying; Ctrl+C to stop\n');
    notices.close();
  });

  it('a network that comes back is announced once; a flaky moment that never went offline is not announced at all', async () => {
    const { reporter, stderr } = streams();
    const notices = new ConnectivityNotices(reporter, 'https://api.cloud.scenario.com/v1', { remindAfterMs: 60_000 });
    notices.update({ online: true, reason: '' });
    expect(stderr()).toBe('');
    notices.update({ online: false, reason: 'socket hang up' });
    notices.update({ online: false, reason: 'socket hang up' });
    notices.update({ online: true, reason: '' });
    expect(stderr()).toBe('kiln: offline — waiting for the network (socket hang up)\nkiln: network is back, resuming\n');
    notices.close();
  });
});
