/** The mark of a game the catalog vouches for: downloads refuse every other copy on the LAN. */
export function VerifiedMark() {
  return (
    <span
      className="game-verified"
      title="The catalog holds a digest of this game's files: only peers with exactly these files are used."
    >
      ✓ verified by the catalog
    </span>
  );
}
