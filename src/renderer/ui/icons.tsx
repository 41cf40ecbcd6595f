/** A cube for 3D inputs, which have no cheap thumbnail. */
export function ModelGlyph({ kind }: { kind: string }) {
  return (
    <svg viewBox="0 0 24 24" width="22" height="22" fill="none" stroke="currentColor" strokeWidth="1.5" strokeLinejoin="round">
      <title>{kind}</title>
      <path d="M12 2.8 20 7.2v9.6L12 21.2 4 16.8V7.2Z" />
      <path d="M4 7.2 12 11.6 20 7.2M12 11.6v9.6" />
    </svg>
  );
}
