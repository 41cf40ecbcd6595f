/** What only some hosts can do (Electron has a shell and native dialogs; the browser host has not). */
export interface HostCapabilities {
  kind: 'electron' | 'web';
  reveal?(path: string): Promise<void>;
  open?(path: string): Promise<void>;
  chooseFolder?(title?: string): Promise<string | null>;
  /** A batch finished (a queue went idle after working). */
  notify?(title: string, body: string): void;
  /** Overall progress of all queues, 0..1, or -1 when idle (dock/taskbar). */
  setProgress?(fraction: number): void;
}
