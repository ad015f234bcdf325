/** The embedded default catalog as an SQL script, so the package ships a real SQLite catalog without an extra asset. */

// The five spec columns come first, then what the library shows (docs/layout.md); no cover art:
// the UI draws each game's placeholder.
export const DEFAULT_CATALOG_SQL = `
CREATE TABLE games (
  id               TEXT PRIMARY KEY,
  name             TEXT NOT NULL,
  description      TEXT,
  size             INTEGER,
  eti_game_version TEXT NOT NULL,
  genre            TEXT,
  max_players      INTEGER,
  release_year     INTEGER
);

INSERT INTO games (id, name, description, size, eti_game_version, genre, max_players, release_year) VALUES
  ('alienswarm', 'Alien Swarm',
   'Top-down co-op shooter from Valve: four marines clear an alien-infested colony, one class each.',
   2254857830, '20250101', 'Shooter', 4, 2010),
  ('aoe2', 'Age of Empires II: The Conquerors',
   'Medieval real-time strategy: build an economy, advance through the ages and storm the castle.',
   634388480, '20250101', 'Strategy', 8, 2000),
  ('bf1942', 'Battlefield 1942',
   'Large-scale Second World War battles on foot, in tanks, planes and ships, 64 players on one map.',
   1288490189, '20250101', 'Shooter', 64, 2002),
  ('bfbc2', 'Battlefield: Bad Company 2',
   'Modern squad shooter with destructible buildings; Rush and Conquest on big open maps.',
   10522669875, '20250101', 'Shooter', 32, 2010),
  ('cnc4', 'Command & Conquer 4: Tiberian Twilight',
   'The last chapter of the Tiberium saga: mobile crawler bases and class-based 5 v 5 strategy.',
   7945689497, '20250101', 'Strategy', 10, 2010),
  ('cnctw', 'Command & Conquer 3: Tiberium Wars',
   'GDI, Nod and the Scrin fight over Tiberium in classic fast-paced base-building strategy.',
   6764573491, '20250101', 'Strategy', 8, 2007),
  ('cod5', 'Call of Duty: World at War',
   'Second World War shooter in the Pacific and on the Eastern Front, with co-op and Nazi Zombies.',
   8482560819, '20250101', 'Shooter', 32, 2008),
  ('css', 'Counter-Strike: Source',
   'Terrorists against counter-terrorists, round by round: plant or defuse the bomb, rescue the hostages.',
   2576980378, '20250101', 'Shooter', 32, 2004),
  ('ggoo', 'Goo-Goo Galaxy',
   'A tiny demo game: steer a blob of goo around a toy galaxy and swallow the other players. Handy for testing a LAN.',
   52428800, '20250101', 'Party', 8, 2025),
  ('q3a', 'Quake III Arena',
   'Pure arena deathmatch: rocket jumps, railguns and Capture the Flag at a breathless pace.',
   503316480, '20250101', 'Shooter', 16, 1999),
  ('ut2004', 'Unreal Tournament 2004',
   'Arena shooter with Onslaught vehicles, Assault, Bombing Run and classic Deathmatch.',
   5905580032, '20250101', 'Shooter', 32, 2004),
  ('wc3', 'Warcraft III: The Frozen Throne',
   'Fantasy real-time strategy with heroes; the home of custom maps such as Defense of the Ancients.',
   1395864371, '20250101', 'Strategy', 12, 2003);
`;
