// cgroup.stat and cgroup.events (cgroup v2; kernel/cgroup/cgroup.c, read in 6.18.19, 6.12.63,
// 6.6.63, 6.1.166 and 7.1.5): nr_descendants counts the live cgroups below (cgroup_create adds
// one to every ancestor, cgroup_destroy_locked takes it away); a removed cgroup is dying for
// every ancestor until its self css is released (css_release_work_fn), which waits for its
// csses (each holds its cgroup until css_free_rwork_fn) and its child cgroups; nr_subsys_memory
// is the cgroup's memory css and the online ones below it (css->nr_descendants + 1; 0 without
// one); nr_dying_subsys_memory the offline memcgs at and below it not yet freed (offline_css,
// or kill_css in 7.1, adds one up the css's parents; css_release_work_fn takes it away). The
// nr_subsys lines are 6.12+ (6.6.63's cgroup_stat_show has only the two descendant lines).
// No live oracle here: the live kernel mounts the memory controller on v1, which has no
// cgroup.stat (cgroup1_base_files).
import { describe, expect, test } from 'vitest';
import type { System } from '../src/index.js';
import { codeOf, sys as sysBase } from './helpers/sys.js';
import { ERAS, atLeast } from './helpers/eras.js';

// lruAddBatch off: a folio freed by uncharge is gone at once, not held (charged) in a batch.
const sys = (profile = '6.18') => sysBase({ cgroupVersion: 2, profile, lruAddBatch: false });

/** cgroup.stat of a cgroup ('' = the root) as key → value. */
function stat(s: System, cg: string): Record<string, number> {
  const text = s.read(cg === '' ? 'cgroup.stat' : `${cg}/cgroup.stat`);
  return Object.fromEntries(text.trimEnd().split('\n').map((l) => {
    const [k, v] = l.split(' ');
    return [k, Number(v)];
  }));
}

describe('cgroup.stat (cgroup_stat_show)', () => {
  test('nr_descendants counts every live cgroup below, at each level, not the cgroup itself', async () => {
    const s = await sys();
    for (const p of ['a', 'a/b', 'a/c', 'a/c/d', 'e']) s.mkdir(p);
    expect(stat(s, '')).toMatchObject({ nr_descendants: 5, nr_dying_descendants: 0 });
    expect(stat(s, 'a')).toMatchObject({ nr_descendants: 3 });
    expect(stat(s, 'a/c')).toMatchObject({ nr_descendants: 1 });
    expect(stat(s, 'a/c/d')).toMatchObject({ nr_descendants: 0 });
    // every cgroup here has a memcg (memory in each parent's subtree_control): css->nr_descendants + 1
    expect(stat(s, '')).toMatchObject({ nr_subsys_memory: 6, nr_dying_subsys_memory: 0 });
    expect(stat(s, 'a')).toMatchObject({ nr_subsys_memory: 4 });
    // an empty cgroup removed is released at once: no dying descendant is left
    s.rmdir('a/b');
    expect(stat(s, '')).toMatchObject({ nr_descendants: 4, nr_dying_descendants: 0, nr_subsys_memory: 5, nr_dying_subsys_memory: 0 });
    expect(stat(s, 'a')).toMatchObject({ nr_descendants: 2, nr_dying_descendants: 0 });
  });

  test('a removed cgroup whose memcg still holds a charge is dying until the charge goes', async () => {
    const s = await sys();
    s.mkdir('p');
    s.mkdir('p/c');
    const f = s.charge({ cgroup: 'p/c', cpu: 0 });
    s.rmdir('p/c');
    // the offline memcg is held by its folio (commit_charge's css reference), and it holds its cgroup
    for (const cg of ['', 'p']) {
      expect(stat(s, cg)).toMatchObject({ nr_dying_descendants: 1, nr_dying_subsys_memory: 1 });
    }
    expect(stat(s, 'p')).toEqual({ nr_descendants: 0, nr_subsys_memory: 1, nr_dying_descendants: 1, nr_dying_subsys_memory: 1 });
    s.uncharge(f);
    for (const cg of ['', 'p']) {
      expect(stat(s, cg)).toMatchObject({ nr_dying_descendants: 0, nr_dying_subsys_memory: 0 });
    }
  });

  test('a removed parent with a dying child stays dying until the child is released', async () => {
    const s = await sys();
    s.mkdir('p');
    s.mkdir('p/c');
    const f = s.charge({ cgroup: 'p/c', cpu: 0 });
    s.rmdir('p/c');
    s.rmdir('p'); // no live child: allowed (css_has_online_children)
    // p's own memcg is offline too, held by its offline child memcg (css_free_rwork_fn puts the parent)
    expect(stat(s, '')).toMatchObject({ nr_descendants: 0, nr_dying_descendants: 2, nr_subsys_memory: 1, nr_dying_subsys_memory: 2 });
    s.uncharge(f);
    expect(stat(s, '')).toMatchObject({ nr_dying_descendants: 0, nr_dying_subsys_memory: 0 });
    // the slots came back: a new cgroup is a live descendant again
    s.mkdir('p');
    expect(stat(s, '')).toMatchObject({ nr_descendants: 1, nr_dying_descendants: 0 });
  });

  test('"-memory" in the parent kills the memcg but not the cgroup: a dying css, no dying cgroup', async () => {
    const s = await sys();
    s.mkdir('p');
    s.mkdir('p/c');
    const f = s.charge({ cgroup: 'p/c', cpu: 0 });
    s.write('p/cgroup.subtree_control', '-memory');
    expect(stat(s, 'p')).toEqual({ nr_descendants: 1, nr_subsys_memory: 1, nr_dying_descendants: 0, nr_dying_subsys_memory: 1 });
    // c has no memory css now: 0 (the "css ? … : 0" of cgroup_stat_show)
    expect(stat(s, 'p/c')).toEqual({ nr_descendants: 0, nr_subsys_memory: 0, nr_dying_descendants: 0, nr_dying_subsys_memory: 1 });
    // memory back on: a new css; the old one still dying beside it
    s.write('p/cgroup.subtree_control', '+memory');
    expect(stat(s, 'p/c')).toMatchObject({ nr_subsys_memory: 1, nr_dying_subsys_memory: 1 });
    s.uncharge(f);
    expect(stat(s, 'p')).toEqual({ nr_descendants: 1, nr_subsys_memory: 2, nr_dying_descendants: 0, nr_dying_subsys_memory: 0 });
    // the cgroup was held by both csses; removed now, nothing is left
    s.rmdir('p/c');
    expect(stat(s, 'p')).toMatchObject({ nr_descendants: 0, nr_dying_descendants: 0, nr_dying_subsys_memory: 0 });
  });

  test.each(ERAS)('%s: the lines and their order', async (era) => {
    const s = await sys(era);
    s.mkdir('a');
    const keys = Object.keys(stat(s, ''));
    expect(keys).toEqual(atLeast(era, '6.12')
      ? ['nr_descendants', 'nr_subsys_memory', 'nr_dying_descendants', 'nr_dying_subsys_memory']
      : ['nr_descendants', 'nr_dying_descendants']);
  });

  test('cgroup v1 has no cgroup.stat (cgroup1_base_files)', async () => {
    const s = await sysBase({ cgroupVersion: 1 });
    s.mkdir('a');
    expect(codeOf(() => s.read('a/cgroup.stat'))).toBe('ENOENT');
  });
});

describe('cgroup.events (cgroup_events_show)', () => {
  test('populated: a task in the cgroup or below; frozen 0 (no freezer); not on the root', async () => {
    const s = await sys();
    s.mkdir('a');
    s.mkdir('a/b');
    s.mkdir('a/b/c');
    const events = (cg: string) => s.read(`${cg}/cgroup.events`);
    expect(events('a')).toBe('populated 0\nfrozen 0\n');
    const t = s.spawn('a/b/c');
    for (const cg of ['a', 'a/b', 'a/b/c']) expect(events(cg)).toBe('populated 1\nfrozen 0\n');
    s.exitTask(t);
    expect(events('a')).toBe('populated 0\nfrozen 0\n');
    expect(codeOf(() => s.read('cgroup.events'))).toBe('ENOENT'); // CFTYPE_NOT_ON_ROOT
  });
});
