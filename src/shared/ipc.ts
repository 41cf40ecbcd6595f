/** IPC channel names shared by the Electron main process and the preload bridge. */
export const IPC = {
  call: 'kiln:call',
  event: 'kiln:event',
  startDrag: 'kiln:start-drag',
  online: 'kiln:online',
} as const;
