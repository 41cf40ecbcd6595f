/** The preview's "Choose sample…" button: picks a local file as the sample, for both kinds of preview. */
export function SampleChooser({ accept, label, onChoose }: { accept: string; label: string; onChoose(file: File): void }) {
  return (
    <label className="button sample-choose">
      Choose sample…
      <input type="file" accept={accept} aria-label={label}
        onChange={(e) => {
          const file = e.currentTarget.files?.[0];
          if (file) onChoose(file);
          // Cleared so that choosing the same file again still counts as a change.
          e.currentTarget.value = '';
        }} />
    </label>
  );
}
