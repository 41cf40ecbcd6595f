import { Check, X } from 'lucide-react';
import { useState, type FormEvent } from 'react';
import { settingsSchema, type ConnectionTest, type HostInfo, type KeyLocation, type Settings } from '../../shared/contract';
import { useApi } from '../transport/context';
import { errorMessage } from '../transport/errors';

interface Props {
  host: HostInfo | undefined;
  settings: Settings | undefined;
  /** First run: no credentials yet, so explain what Kiln needs before anything else. */
  welcome: boolean;
  onCredentialsChanged(): void;
  /** A connection test passed: Scenario accepts the stored key pair. */
  onCredentialsVerified?(): void;
  onSettingsSaved(settings: Settings): void;
}

function Credentials({ hasCredentials, keyLocation, onChanged, onVerified }: { hasCredentials: boolean; keyLocation?: KeyLocation; onChanged(): void; onVerified?(): void }) {
  const api = useApi();
  const [key, setKey] = useState('');
  const [secret, setSecret] = useState('');
  const [busy, setBusy] = useState<'save' | 'clear' | 'test'>();
  const [message, setMessage] = useState<{ tone: 'ok' | 'bad'; text: string }>();
  const canSave = key.trim() !== '' && secret.trim() !== '' && !busy;

  const act = async (kind: 'save' | 'clear' | 'test', fn: () => Promise<{ tone: 'ok' | 'bad'; text: string }>) => {
    setBusy(kind);
    setMessage(undefined);
    try {
      setMessage(await fn());
    } catch (err) {
      setMessage({ tone: 'bad', text: errorMessage(err) });
    } finally {
      setBusy(undefined);
    }
  };

  const save = (e: FormEvent) => {
    e.preventDefault();
    if (!canSave) return;
    void act('save', async () => {
      await api.call('credentials.set', { apiKey: key.trim(), apiSecret: secret.trim() });
      // Fields are write-only: clear them so the secret does not linger in the page.
      setKey('');
      setSecret('');
      onChanged();
      const test: ConnectionTest = await api.call('credentials.test', {});
      if (test.ok) onVerified?.();
      return test.ok ? { tone: 'ok', text: `Saved. ${test.message}` } : { tone: 'bad', text: `Saved, but the test failed: ${test.message}` };
    });
  };

  return (
    <form className="card" onSubmit={save} aria-labelledby="cred-title">
      <h2 id="cred-title">Scenario API key</h2>
      <p className="muted">
        {/* Where the host really keeps them (keychain, encrypted file, or this session only). */}
        {keyLocation ? `Kept ${keyLocation.description}.` : 'Kept by the host.'} Kiln never shows them again; you can replace or clear them.
        {' '}Status: {hasCredentials
          ? <span className="badge badge-ok">set</span>
          : <span className="badge badge-warn">not set</span>}
      </p>
      {keyLocation?.details && (
        <details className="muted" data-testid="key-location-details">
          <summary>Details</summary>
          {keyLocation.details}
        </details>
      )}
      <div className="field">
        <label htmlFor="api-key">API key</label>
        <input id="api-key" type="password" autoComplete="off" spellCheck={false} value={key}
          placeholder={hasCredentials ? '•••••••• (set — type to replace)' : 'api_…'} onChange={(e) => setKey(e.currentTarget.value)} />
      </div>
      <div className="field">
        <label htmlFor="api-secret">API secret</label>
        <input id="api-secret" type="password" autoComplete="off" spellCheck={false} value={secret}
          placeholder={hasCredentials ? '•••••••• (set — type to replace)' : ''} onChange={(e) => setSecret(e.currentTarget.value)} />
      </div>
      <div className="button-row">
        <button type="submit" className="primary" disabled={!canSave}>{busy === 'save' ? 'Saving…' : 'Save'}</button>
        <button type="button" disabled={!hasCredentials || Boolean(busy)}
          onClick={() => act('test', async () => {
            const t = await api.call('credentials.test', {});
            if (t.ok) onVerified?.();
            return { tone: t.ok ? 'ok' : 'bad', text: t.message };
          })}>{busy === 'test' ? 'Testing…' : 'Test connection'}</button>
        <button type="button" className="danger ghost" disabled={!hasCredentials || Boolean(busy)}
          onClick={() => act('clear', async () => {
            await api.call('credentials.clear', {});
            onChanged();
            return { tone: 'ok', text: 'Removed.' };
          })}>Clear</button>
      </div>
      {message && <p className={`result-line tone-${message.tone}`} role="status">{message.tone === 'ok' ? <Check size={14} aria-hidden="true" /> : <X size={14} aria-hidden="true" />} {message.text}</p>}
    </form>
  );
}

function General({ settings, onSaved }: { settings: Settings; onSaved(s: Settings): void }) {
  const api = useApi();
  const [apiUrl, setApiUrl] = useState(settings.apiUrl);
  const [concurrency, setConcurrency] = useState(String(settings.concurrency));
  const [outDir, setOutDir] = useState(settings.defaultOutputDir);
  const [projectId, setProjectId] = useState(settings.projectId ?? '');
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ tone: 'ok' | 'bad'; text: string }>();

  // An empty project id means none: the client sends ?projectId= only when it is set (docs/scenario-api.md).
  const draft = { apiUrl: apiUrl.trim(), concurrency: Number(concurrency), defaultOutputDir: outDir.trim(), projectId: projectId.trim() };
  const parsed = settingsSchema.safeParse(draft);
  const issue = (field: keyof Settings) => {
    if (parsed.success) return undefined;
    const found = parsed.error.issues.find((i) => i.path[0] === field);
    if (!found) return undefined;
    if (field === 'apiUrl') return 'Use a full http(s) address, like https://api.cloud.scenario.com/v1';
    if (field === 'concurrency') return 'A whole number from 1 to 32';
    return found.message;
  };
  const dirty =
    draft.apiUrl !== settings.apiUrl ||
    draft.concurrency !== settings.concurrency ||
    draft.defaultOutputDir !== settings.defaultOutputDir ||
    draft.projectId !== (settings.projectId ?? '');

  const save = async (e: FormEvent) => {
    e.preventDefault();
    if (!parsed.success || busy) return;
    setBusy(true);
    setMessage(undefined);
    try {
      const saved = await api.call('settings.update', parsed.data);
      onSaved(saved);
      setMessage({ tone: 'ok', text: 'Saved.' });
    } catch (err) {
      setMessage({ tone: 'bad', text: errorMessage(err) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="card" onSubmit={save} aria-labelledby="general-title" noValidate>
      <h2 id="general-title">General</h2>
      <div className="field">
        <label htmlFor="api-url">API URL</label>
        <input id="api-url" value={apiUrl} spellCheck={false} aria-invalid={issue('apiUrl') ? true : undefined} onChange={(e) => setApiUrl(e.currentTarget.value)} />
        {issue('apiUrl') ? <p className="field-error">{issue('apiUrl')}</p> : <p className="help">Leave as is unless Scenario support told you otherwise.</p>}
      </div>
      <div className="field">
        <label htmlFor="concurrency">Conversions at once</label>
        <input id="concurrency" type="number" min={1} max={32} step={1} value={concurrency} aria-invalid={issue('concurrency') ? true : undefined}
          onChange={(e) => setConcurrency(e.currentTarget.value)} />
        {issue('concurrency') ? <p className="field-error">{issue('concurrency')}</p> : <p className="help">More is faster but uses credits faster too; 1–32.</p>}
      </div>
      <div className="field">
        <label htmlFor="project-id">Scenario project · optional</label>
        <input id="project-id" value={projectId} spellCheck={false} placeholder="proj_…" aria-invalid={issue('projectId') ? true : undefined}
          onChange={(e) => setProjectId(e.currentTarget.value)} />
        {issue('projectId') ? <p className="field-error">{issue('projectId')}</p> : <p className="help">Work in one project of your team (its id is in Scenario's project settings). Leave empty to use the key's own project.</p>}
      </div>
      <div className="field">
        <label htmlFor="default-out">Default output folder</label>
        <input id="default-out" value={outDir} spellCheck={false} onChange={(e) => setOutDir(e.currentTarget.value)} />
        <p className="help">Suggested for new queues.</p>
      </div>
      <div className="button-row">
        <button type="submit" className="primary" disabled={!parsed.success || !dirty || busy}>{busy ? 'Saving…' : 'Save settings'}</button>
      </div>
      {message && <p className={`result-line tone-${message.tone}`} role="status">{message.text}</p>}
    </form>
  );
}

export function SettingsView({ host, settings, welcome, onCredentialsChanged, onCredentialsVerified, onSettingsSaved }: Props) {
  return (
    <div className="settings">
      <header className="page-head">
        <h1>Settings</h1>
        {host && <p className="muted">Kiln {host.version} · {host.kind === 'electron' ? 'desktop app' : 'browser'}</p>}
      </header>
      {welcome && (
        <div className="welcome card" role="note">
          <h2>Welcome to Kiln</h2>
          <p>Kiln converts your files with Scenario’s cloud models: images to clean SVG vectors, 3D models to low-poly meshes.</p>
          <ol>
            <li>Paste your Scenario API key and secret below (Scenario web app → API keys) and press Save.</li>
            <li>Create a queue: pick a model, a preset and the folder where results go.</li>
            <li>Drop files or whole folders onto the queue and watch them convert.</li>
          </ol>
        </div>
      )}
      <div className="settings-grid">
        <Credentials hasCredentials={host?.hasCredentials ?? false} keyLocation={host?.keyLocation} onChanged={onCredentialsChanged} onVerified={onCredentialsVerified} />
        {settings ? <General settings={settings} onSaved={onSettingsSaved} /> : <div className="card muted">Loading settings…</div>}
      </div>
    </div>
  );
}
