// Summarises a V8 .cpuprofile (node --cpu-prof): where the server spent its time, by function (self time) and by
// package, so a report can say what the top frames are without opening a flame graph viewer.
import { readFile } from 'node:fs/promises';
import { round } from './proc-stats.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
}

/** Which package or part of the project a script URL belongs to. */
function owner(url: string): string {
  if (!url) return '(native / V8)';
  if (url.startsWith('node:')) return 'node internals';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  const ours = /\/(server|protocol|client|bench)\//.exec(url);
  return ours ? `our ${ours[1]}/` : url;
}

export async function summarizeCpuProfile(path: string, top = 20) {
  const profile = JSON.parse(await readFile(path, 'utf8')) as Profile;
  const total = profile.samples.length;
  const byFunction = new Map<string, number>();
  const byOwner = new Map<string, number>();
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    if (hits === 0) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const file = url.replace(/^file:\/\/.*?\/(node_modules|server|protocol|client|bench)\//, '$1/');
    const key = `${functionName || '(anonymous)'} ${file}:${lineNumber + 1}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + hits);
    byOwner.set(owner(url), (byOwner.get(owner(url)) ?? 0) + hits);
  }
  const ranked = (map: Map<string, number>) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, hits]) => ({ name, self_percent: round((hits / total) * 100, 2) }));
  return {
    profile: path,
    seconds: round((profile.endTime - profile.startTime) / 1e6, 1),
    samples: total,
    top_self: ranked(byFunction),
    by_package: ranked(byOwner),
  };
}
