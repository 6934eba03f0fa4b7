// Bad input everywhere gives one line and exit 2: every row is an invocation of `run`,
// `plan`, `merge` or `check` that must be refused with exactly one line on stderr
// (`zensim: …` naming the problem), nothing on stdout, and no file left in the working
// directory. The scenario scripts that throw or misuse the API live in a scratch folder
// inside the repository (so `from 'zensim'` resolves to this package).
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { main } from '../../sim/cli.js';

const repo = new URL('../../', import.meta.url).pathname;
const scn = (name: string) => join(repo, 'scenarios', `${name}.ts`);
const HERD = scn('herd');
const FIX = mkdtempSync(join(repo, 'out-badinput-'));

/** A scenario file in the scratch folder; its script is `script` (a function body of `run`). */
function scenario(name: string, body: { script?: string; cluster?: string; top?: string }): string {
  const file = join(FIX, `${name}.ts`);
  writeFileSync(
    file,
    [
      "import { defineScenario } from 'zensim';",
      body.top ?? '',
      'export default defineScenario({',
      `  name: '${name}',`,
      "  description: 'a scenario for the bad-input table',",
      '  params: {},',
      `  cluster: () => { ${body.cluster ?? "return { nodes: [{ name: 'a@h' }] };"} },`,
      `  script: (run) => { ${body.script ?? ''} },`,
      '});',
      '',
    ].join('\n'),
  );
  return file;
}

/** A scenario file whose default export is `defineScenario({ <fields> })`, on line 2, past the types. */
function definition(name: string, fields: string): string {
  const file = join(FIX, `${name}.ts`);
  writeFileSync(file, `import { defineScenario, param } from 'zensim';\nexport default defineScenario({ ${fields} } as never);\n`);
  return file;
}

const SHAPE = "name: 'shape', description: 'd'";
const ONLY_NAME = definition('only_name', "name: 'x'");
const NO_CLUSTER = definition('no_cluster', `${SHAPE}, params: {}, script: () => {}`);
const NO_SCRIPT = definition('no_script', `${SHAPE}, params: {}, cluster: () => ({ nodes: [{ name: 'a@h' }] })`);
const DEFAULT_OUT_OF_RANGE = definition('default_out_of_range', `${SHAPE}, params: { n: param.int(5, 'n', { min: 10, max: 20 }) }, cluster: () => ({ nodes: [{ name: 'a@h' }] }), script: () => {}`);
const DEFAULT_NOT_LISTED = definition('default_not_listed', `${SHAPE}, params: { m: param.enum('c', ['a', 'b'], 'm') }, cluster: () => ({ nodes: [{ name: 'a@h' }] }), script: () => {}`);
const THROWS = scenario('throws', { script: "run.at(200, () => { throw new Error('boom from the script'); });" });
const UNKNOWN_NODE = scenario('unknown_node', { script: "run.spawnMany('c@h', 3);" });
const DRAIN_NO_TRIGGER = scenario('drain_no_trigger', { script: 'run.endWhenDrained(100);' });
const TRIGGER_TWICE = scenario('trigger_twice', { script: 'run.trigger(); run.trigger();' });
const EXPECT_TWICE = scenario('expect_twice', { script: 'run.expectDowns(3); run.at(200, () => run.expectDowns(1));' });
const FIXED_THEN_DRAINED = scenario('fixed_then_drained', { script: 'run.trigger(); run.endAt(5000); run.endWhenDrained(100);' });
const DRAINED_THEN_FIXED = scenario('drained_then_fixed', { script: 'run.expectDowns(1); run.trigger(); run.endWhenDrained(100); run.at(300, () => run.endAt(5000));' });
const CONNECT_UNKNOWN = scenario('connect_unknown', { script: "run.connect('a@h', 'c@h');" });
const KILL_ZEN_UNKNOWN = scenario('kill_zen_unknown', { script: "run.killZen('a@h', 'connector', 'zz@h');" });
const PAST = scenario('past', { script: 'run.at(50, () => {});' });
const BAD_END = scenario('bad_end', { script: 'run.endWhenDrained(Number.NaN);' });
const TICKER_FN = scenario('ticker_fn', { script: "run.ticker('a@h', run.subscriber('a@h', {}), (() => {\n    return 5;\n  }) as never);" });
const EXIT_STRING = scenario('exit_string', { script: "const [t] = run.spawnMany('a@h', 1); run.at(200, () => run.world.exit(t as never, 'kill' as never, 'a@h'));" });
const CLUSTER_THROWS = scenario('cluster_throws', { cluster: "throw new Error('no cluster today');" });
const UNKNOWN_HOST = scenario('unknown_host', { cluster: "return { nodes: [{ name: 'a@h', host: 'box' }] };" });
const BAD_HOST = scenario('bad_host', { cluster: "return { hosts: [{ name: 'box', cores: 0 }], nodes: [{ name: 'a@h', host: 'box' }] };" });
const NULL_CLUSTER = scenario('null_cluster', { cluster: 'return null as never;' });
const NODE_TWICE = scenario('node_twice', { cluster: "return { nodes: [{ name: 'a@h' }, { name: 'a@h' }] };" });
const NO_SCHEDULERS = scenario('no_schedulers', { cluster: "return { nodes: [{ name: 'a@h', schedulers: 0 }] };" });
const IMPORT_THROWS = scenario('import_throws', { top: "throw new Error('broken at import');" });
const SYNTAX = join(FIX, 'syntax.ts');
writeFileSync(SYNTAX, "import { defineScenario } from 'zensim';\nexport default defineScenario({ name: \n");
const NOT_SCENARIO = join(FIX, 'not_scenario.ts');
writeFileSync(NOT_SCENARIO, "export default { name: 'x' };\n");
const EMPTY_DIR = join(FIX, 'empty');
mkdirSync(EMPTY_DIR);
const BAD_SWEEP = join(FIX, 'bad-sweep');
mkdirSync(BAD_SWEEP);
writeFileSync(join(BAD_SWEEP, 'sweep.json'), '{"version": 99}');

const run = (...a: string[]) => ['run', HERD, ...a];
const plan = (...a: string[]) => ['plan', HERD, '--vary', 'zen.demand_amount=500,1000', ...a];

/** [what, argv, the one line it must print]. */
const TABLE: [string, string[], RegExp][] = [
  // the command line
  ['no command', [], /name a command: run, plan, merge or check/],
  ['an unknown command', ['frob'], /^unexpected argument 'frob' \(try: zensim --help\)$/],
  ['run without a scenario', ['run'], /Missing required argument: scenario/],
  ['an unknown option', run('--frob'), /^unknown option --frob \(try: zensim --help\)$/],
  ['an unknown option with a dash (named once)', run('--bogus-flag'), /^unknown option --bogus-flag \(try: zensim --help\)$/],
  ['a boolean given a value', run('--quiet', 'yes'), /^unexpected argument 'yes' \(try: zensim --help\)$/],
  ['--seed without a value', run('--seed'), /^--seed needs a value$/],
  ['--seed followed by a flag', run('--seed', '--quiet'), /^--seed needs a value$/],
  ['--seed= (empty)', run('--seed='), /^--seed needs a value$/],
  ['--seed negative', run('--seed', '-1'), /--seed must be a non-negative integer, got '-1'$/],
  ['--seed fractional', run('--seed', '1.5'), /--seed must be a non-negative integer, got '1\.5'$/],
  ['--seed not a number', run('--seed', 'abc'), /--seed must be a non-negative integer, got 'abc'$/],
  ['--seed twice', run('--seed', '1', '--seed', '2'), /--seed is given more than once/],
  ['--seed in hex', run('--seed', '0x10'), /--seed must be a non-negative integer, got '0x10'$/],
  ['--seed with a space before it', run('--seed', ' 3'), /^--seed must be a non-negative integer, got ' 3'$/],
  ['--set of one key twice', run('--set', 'targets=10', '--set', 'targets=20'), /^--set targets is given more than once$/],
  ['--set of a number in hex', run('--set', 'targets=0x10'), /^targets must be a number, got '0x10'$/],
  ['plan --set of one key twice', plan('--set', 'targets=10', '--set', 'targets=20'), /^--set targets is given more than once$/],
  ['check --replay-inline of base64url that is no schedule', ['check', '--replay-inline', 'garbage'], /^--replay-inline: does not decode to a JSON schedule \(as a failing check prints it\)$/],
  ['check --replay-inline of a schedule with a negative seed', ['check', '--replay-inline', Buffer.from('{"version":1,"seed":-1}').toString('base64url')], /^--replay-inline: seed must be a non-negative integer, got -1$/],
  ['check --set of one key twice', ['check', '--set', 'zen.demand_amount=5', '--set', 'zen.demand_amount=6'], /^--set zen\.demand_amount is given more than once$/],
  ['--set without a value', run('--set'), /^--set needs a value$/],
  ['--set without =', run('--set', 'targets'), /--set takes key=value, got 'targets'/],
  ['--set without a key', run('--set', '=3'), /--set takes key=value, got '=3'/],
  ['--json without a value', run('--json'), /^--json needs a value$/],
  ['--json twice', run('--json', 'a.json', '--json', 'b.json'), /--json is given more than once/],
  ['--report twice', run('--report', 'a.html', '--report', 'b.html'), /--report is given more than once/],
  ['--trace twice', run('--trace', 'a.jsonl', '--trace', 'b.jsonl'), /--trace is given more than once/],
  ['--perfetto twice', run('--perfetto', 'a.json', '--perfetto', 'b.json'), /--perfetto is given more than once/],
  ['two outputs to one file', run('--json', 'x.out', '--report', 'x.out'), /--report x\.out: the same file is named by another output option/],
  ['two outputs to stdout', run('--json', '-', '--trace', '-'), /^--trace -: the same output \(stdout\) is named by another output option$/],
  ['--report to stdout', run('--report', '-'), /^--report -: this output cannot go to stdout \(only run --json - can\); name a file \(\.\/- for one named -\)$/],
  ['--trace to stdout', run('--trace', '-'), /^--trace -: this output cannot go to stdout \(only run --json - can\); name a file \(\.\/- for one named -\)$/],
  ['--perfetto to stdout', run('--perfetto', '-'), /^--perfetto -: this output cannot go to stdout \(only run --json - can\); name a file \(\.\/- for one named -\)$/],
  ['an output in a missing directory', run('--json', '/nonexistent/dir/out.json'), /--json \/nonexistent\/dir\/out\.json: directory \/nonexistent\/dir does not exist/],
  ['an output that is a directory', run('--trace', FIX), /--trace .*: is a directory/],
  // scenario files
  ['a missing scenario file', ['run', '/nonexistent/herd.ts'], /scenario file not found: \/nonexistent\/herd\.ts/],
  ['a directory as the scenario', ['run', FIX], /scenario file not found/],
  ['a file that is not a scenario', ['run', join(repo, 'package.json')], /package\.json is not a scenario/],
  ['a default export that is not a scenario', ['run', NOT_SCENARIO], /not_scenario\.ts is not a scenario: its default export must be defineScenario/],
  ['a scenario with a syntax error', ['run', SYNTAX], /cannot load scenario .*syntax\.ts: .*syntax\.ts:3:1: Unexpected end of file/],
  ['a definition with only a name', ['run', ONLY_NAME], /^cannot load scenario \S*only_name\.ts:2:\d+: defineScenario: description must be a string, got undefined$/],
  ['a definition without a cluster', ['run', NO_CLUSTER], /^cannot load scenario \S*no_cluster\.ts:2:\d+: defineScenario: cluster must be a function \(params\) => \(\{ nodes: \[\.\.\.\] \}\), got undefined$/],
  ['a definition without a script', ['run', NO_SCRIPT], /^cannot load scenario \S*no_script\.ts:2:\d+: defineScenario: script must be a function \(run, params\) => \{ \.\.\. \}, got undefined$/],
  ['a parameter whose default is outside its own range', ['run', DEFAULT_OUT_OF_RANGE], /^cannot load scenario \S*default_out_of_range\.ts:2:\d+: defineScenario: parameter n: its default is not a value it takes: n must be >= 10, got 5$/],
  ['--help of a parameter whose default is outside its own range', ['run', DEFAULT_OUT_OF_RANGE, '--help'], /^cannot load scenario \S*default_out_of_range\.ts:2:\d+: defineScenario: parameter n: its default is not a value it takes: n must be >= 10, got 5$/],
  ['an enum parameter whose default is not one of its values', ['run', DEFAULT_NOT_LISTED], /^cannot load scenario \S*default_not_listed\.ts:2:\d+: defineScenario: parameter m: its default is not a value it takes: m must be one of a, b, got 'c'$/],
  ['a cluster() that returns null', ['run', NULL_CLUSTER], /^cluster\(\) must return \{ nodes: \[\.\.\.\], hosts\?, zen\?, net\?, cost\? \}, got null$/],
  ['a cluster with a node declared twice', ['run', NODE_TWICE], /^node 'a@h' is declared twice$/],
  ['a cluster with a node of no schedulers', ['run', NO_SCHEDULERS], /^node a@h: schedulers must be an integer >= 1, got 0$/],
  ['a scenario that throws on import', ['run', IMPORT_THROWS], /cannot load scenario .*import_throws\.ts:2:\d+: broken at import/],
  ['a script that throws', ['run', THROWS], /throws\.ts:8:\d+: boom from the script \(vanilla run, at 200 virtual ms\)/],
  ['a script naming an unknown node', ['run', UNKNOWN_NODE], /unknown_node\.ts:8:\d+: unknown node 'c@h' \(vanilla run, at 100 virtual ms\)/],
  ['a net setting the scenario takes as its own parameter', ['run', scn('partition'), '--set', 'net.netTicktimeS=1'], /^--set net\.netTicktimeS: this scenario sets it from its parameter netTicktimeS; use --set netTicktimeS=…$/],
  ['a script that drains but never triggers', ['run', DRAIN_NO_TRIGGER], /^the vanilla run set run\.endWhenDrained\(\) but never called run\.trigger\(\): a run drains from its trigger$/],
  ['a script that triggers twice', ['run', TRIGGER_TWICE], /trigger_twice\.ts:8:\d+: run\.trigger\(\): called twice \(first at 100 virtual ms\)/],
  ['a script that declares its expected DOWNs twice', ['run', EXPECT_TWICE], /^\S*expect_twice\.ts:8:\d+: run\.expectDowns\(1\): called twice \(first with 3\); a run declares every DOWN it expects in one call \(vanilla run, at 200 virtual ms\)$/],
  ['a script that sets a fixed end, then a drained one', ['run', FIXED_THEN_DRAINED], /^\S*fixed_then_drained\.ts:8:\d+: run\.endWhenDrained\(100\): this run already has a fixed end \(run\.endAt, at 5000 virtual ms\); a run ends one way, fixed or drained \(vanilla run, at 100 virtual ms\)$/],
  ['a script that sets a drained end, then a fixed one', ['run', DRAINED_THEN_FIXED], /^\S*drained_then_fixed\.ts:8:\d+: run\.endAt\(5000\): this run already has an end when drained \(run\.endWhenDrained, set at 100 virtual ms\); a run ends one way, fixed or drained \(vanilla run, at 300 virtual ms\)$/],
  ['a script connecting to an unknown node', ['run', CONNECT_UNKNOWN], /connect_unknown\.ts:8:\d+: unknown node 'c@h' \(vanilla run, at 100 virtual ms\)/],
  ['a script killing the Connector for an unknown peer', ['run', KILL_ZEN_UNKNOWN], /kill_zen_unknown\.ts:8:\d+: unknown node 'zz@h' \(vanilla run, at 100 virtual ms\)/],
  ['a script naming a time in the past', ['run', PAST], /past\.ts:8:\d+: run\.at\(50\): 50 ms is in the past \(now 100 ms\)/],
  ['a script giving a bad estimate', ['run', BAD_END], /bad_end\.ts:8:\d+: run\.endWhenDrained\(NaN\)/],
  ['a script giving an exit a string for its reason, not a term', ['run', EXIT_STRING], /^\S*exit_string\.ts:8:\d+: exit: the reason must be a term \(atom\('kill'\), tuple\(\.\.\.\)\), got the string 'kill' \(vanilla run, at 200 virtual ms\)$/],
  ['a script giving a ticker a function for its interval (named, not its source)', ['run', TICKER_FN], /^\S*ticker_fn\.ts:8:\d+: run\.ticker\(…, a function\): the interval must be in \(0, 4294967295\] ms \(vanilla run, at 100 virtual ms\)$/],
  ['a cluster() that throws', ['run', CLUSTER_THROWS], /cluster_throws\.ts:7:\d+: no cluster today \(checking its parameters\)/],
  ['a node on a host the cluster does not declare', ['run', UNKNOWN_HOST], /^node 'a@h': unknown host 'box' \(declare it in the cluster's hosts\)$/],
  ['a host with no cores', ['run', BAD_HOST], /^host box: cores must be an integer from 1 to 1024, got 0$/],
  ['a shared host with no cores', run('--set', 'hostCores=0'), /hostCores/],
  // scenario parameters
  ['an unknown parameter', run('--set', 'bogus=1'), /unknown parameter 'bogus' \(known: targets, downCostUs, workEveryMs, work, schedulers, sharedHost, hostCores, mode\)/],
  ['an unknown namespace', run('--set', 'foo.bar=1'), /unknown --set key 'foo\.bar'/],
  ['a parameter of the wrong type', run('--set', 'targets=lots'), /targets must be a number, got 'lots'/],
  ['a number with a space before it', run('--set', 'targets= 10'), /^targets must be a number, got ' 10'$/],
  ['a number with a space after it', run('--set', 'targets=10 '), /^targets must be a number, got '10 '$/],
  ['a parameter below its range', run('--set', 'targets=0'), /targets must be >= 1, got 0/],
  ['a parameter above its range', run('--set', 'targets=1e10'), /targets must be <= 4294967295, got 10000000000/],
  ['a run too big for the heap', run('--set', 'targets=5000000'), /this run needs about 5\.7 GB of memory in zen mode .*NODE_OPTIONS=--max-old-space-size=/],
  ['a fractional count', run('--set', 'targets=1.5'), /targets must be an integer, got '1\.5'/],
  ['a period that overflows the clock', run('--set', 'workEveryMs=1e15'), /workEveryMs must be <= 4294967295, got 1000000000000000/],
  ['a negative cost per DOWN', run('--set', 'downCostUs=-1'), /downCostUs must be >= 0, got -1/],
  ['a cost per DOWN beyond its range', run('--set', 'downCostUs=1e300'), /downCostUs must be <= 1000000, got 1e\+300/],
  ['an unknown mode', run('--set', 'mode=both2'), /mode must be one of both, zen, vanilla, got 'both2'/],
  ['a bool that is not one', run('--set', 'work=maybe'), /work must be true or false, got 'maybe'/],
  ['parameters the scenario rejects together', ['run', scn('stress'), '--set', 'targets=10', '--set', 'killed=20'], /killed \(20\) must be <= targets \(10\)/],
  ['a partition healed before it is noticed', ['run', scn('partition'), '--set', 'healAfterMs=1000'], /healAfterMs \(1000\) must be > 75000/],
  ['exit reasons larger than the heap holds, one per subscriber', ['run', scn('amplification'), '--set', 'subscribers=200', '--set', 'reasonMapKeys=1000000', '--set', 'reasonListLength=1000000'], /this run needs about 15\.\d GB of memory in vanilla mode \(200 expected DOWNs at ~1,100 bytes each, measured, each holding ~80,100,000 bytes of its exit reason\)/],
  ['more watchers than the heap holds', ['run', scn('fanout'), '--set', 'nodes=64', '--set', 'watchersPerNode=100000'], /this run needs about .* GB of memory in zen mode \(6,400,000 expected DOWNs at ~1,200 bytes each, measured\)/],
  ['a partition at the start', ['run', scn('partition'), '--set', 'partitionAtMs=10'], /partitionAtMs must be >= 100, got 10/],
  // ZenMonitor, network and cost settings
  ['a negative zen value', run('--set', 'zen.demand_amount=-3'), /"demand_amount" must be a positive integer, got -3/],
  ['a zen interval that overflows the clock', run('--set', 'zen.demand_interval=9007199254740991'), /"demand_interval" must be at most 4294967295 \(ms, erlang:send_after's limit\), got 9007199254740991/],
  ['a zen count beyond 2^32', run('--set', 'zen.connector_chunk_size=1e12'), /"connector_chunk_size" must be at most 4294967295 \(2\^32 - 1\)/],
  ['an unknown zen key', run('--set', 'zen.nope=1'), /unknown zen_monitor config key "nope"/],
  ['a zen value with a space after it', run('--set', 'zen.demand_amount=500 '), /^--set zen\.demand_amount: zen_monitor config "demand_amount" must be a positive integer, got "500 "$/],
  ['a zen module that is not one', run('--set', 'zen.gen_module=gen_server'), /"gen_module" must be an Elixir module name/],
  ['a latency that overflows the clock', run('--set', 'net.latencyUs=1e300'), /network\.latencyUs must be a number >= 0 and <= 4294967295000 µs .*got 1e\+300/],
  ['a negative latency', run('--set', 'net.latencyUs=-1'), /network\.latencyUs must be a number >= 0/],
  ['a bandwidth of nothing', run('--set', 'net.bandwidthBytesPerS=0'), /network\.bandwidthBytesPerS must be a number >= 1000/],
  ['a tick time beyond the timers', run('--set', 'net.netTicktimeS=1e12'), /network\.netTicktimeS must be a number > 0 and <= 4294967 s/],
  ['an unknown network key', run('--set', 'net.nope=1'), /unknown network key 'nope'/],
  ['an unknown auto-connect mode', run('--set', 'net.autoConnect=sometimes'), /network\.autoConnect must be always, once or never/],
  ['a cost that overflows the clock', run('--set', 'cost.receiveUs=1e300'), /cost\.receiveUs must be a number from 0 to 1000000000/],
  ['a negative cost', run('--set', 'cost.receiveUs=-2'), /cost\.receiveUs must be a number from 0 to 1000000000 .*got -2/],
  ['a cost that is no finite number (quoted as given)', run('--set', 'cost.receiveUs=Infinity'), /^--set cost\.receiveUs: cost\.receiveUs must be a number from 0 to 1000000000 \(.*\), got "Infinity"$/],
  ['an unknown cost key', run('--set', 'cost.nope=1'), /unknown cost model key 'nope'/],
  // plan
  ['plan without --vary', ['plan', HERD], /empty sweep: give at least one --vary/],
  ['plan --vary without values', ['plan', HERD, '--vary', 'targets'], /--vary takes key=v1,v2/],
  ['plan --vary of an unknown key', ['plan', HERD, '--vary', 'nosuch=1,2'], /--vary nosuch: unknown parameter 'nosuch'/],
  ['plan --vary out of range', ['plan', HERD, '--vary', 'targets=0,1'], /--vary targets: targets must be >= 1, got 0/],
  ['plan --vary of a zen value that overflows', ['plan', HERD, '--vary', 'zen.demand_interval=100,9007199254740991'], /--vary zen\.demand_interval: .*at most 4294967295/],
  ['plan --out twice', plan('--out', 'x', '--out', 'y'), /--out is given more than once/],
  // Node 20's mkdirSync(recursive) loops forever there (mkdir answers ENOENT under /proc).
  ['plan --out where no directory can be made', plan('--out', '/proc/zensim-out'), /--out \/proc\/zensim-out: cannot create the directory/],
  ['plan --out to stdout', plan('--out', '-'), /^--out -: this output cannot go to stdout \(only run --json - can\); name a directory \(\.\/- for one named -\)$/],
  ['plan --seeds 0', plan('--seeds', '0'), /--seeds must be a positive integer \(at most 1000000\), got '0'$/],
  ['plan --seeds without a value', plan('--seeds'), /^--seeds needs a value$/],
  ['plan --constraint on an unknown metric', plan('--constraint', 'downs.nope<=1'), /unknown metric 'downs\.nope'/],
  ['plan --constraint in an unknown mode', plan('--constraint', 'foo:downs.lastMs<=1'), /unknown mode 'foo'/],
  ['plan --constraint on an unknown node', plan('--constraint', 'nodes.c.mailbox.peak<=1'), /no node 'c'/],
  ['plan --constraint read in zen where a point runs vanilla only', ['plan', HERD, '--vary', 'mode=zen,vanilla', '--constraint', 'downs.lastMs<=1000'], /^constraint 'downs\.lastMs<=1000': point mode=vanilla does not run zen \(mode=vanilla\); an unprefixed constraint is read in the zen run \(prefix vanilla: to read the other\)$/],
  ['plan varying ZenMonitor settings where no point runs zen', plan('--set', 'mode=vanilla'), /^--vary zen\.demand_amount: no point of this sweep runs zen \(mode=vanilla\), so ZenMonitor settings have no effect$/],
  ['plan --shard out of range', plan('--shard', '3/2'), /--shard takes i\/n with 1 <= i <= n/],
  ['plan over --max-points', plan('--max-points', '3'), /this sweep has 6 runs; --max-points is 3/],
  ['plan --jobs 0', plan('--jobs', '0'), /--jobs must be a positive integer \(at most 1024\), got '0'$/],
  ['plan of a definition without a cluster (no --out left)', ['plan', NO_CLUSTER, '--vary', 'mode=zen', '--seeds', '1', '--out', 'out'], /^cannot load scenario \S*no_cluster\.ts:2:\d+: defineScenario: cluster must be a function/],
  ['plan of a parameter whose default is outside its own range (no --out left)', ['plan', DEFAULT_OUT_OF_RANGE, '--vary', 'mode=zen', '--seeds', '1', '--out', 'out'], /^cannot load scenario \S*default_out_of_range\.ts:2:\d+: defineScenario: parameter n: its default is not a value it takes: n must be >= 10, got 5$/],
  ['plan of a cluster() that returns null (no --out left)', ['plan', NULL_CLUSTER, '--vary', 'mode=zen', '--seeds', '1', '--out', 'out'], /^point mode=zen: cluster\(\) must return \{ nodes: \[\.\.\.\], hosts\?, zen\?, net\?, cost\? \}, got null$/],
  ['plan of a cluster with a node declared twice (no --out left)', ['plan', NODE_TWICE, '--vary', 'mode=zen', '--seeds', '1', '--out', 'out'], /^point mode=zen: node 'a@h' is declared twice$/],
  ['plan of a cluster with a node of no schedulers (no --out left)', ['plan', NO_SCHEDULERS, '--vary', 'mode=zen', '--seeds', '1', '--out', 'out'], /^point mode=zen: node a@h: schedulers must be an integer >= 1, got 0$/],
  ['plan of a cluster on an undeclared host (no --out left)', ['plan', UNKNOWN_HOST, '--vary', 'mode=zen', '--seeds', '1', '--out', 'out'], /^point mode=zen: node 'a@h': unknown host 'box' \(declare it in the cluster's hosts\)$/],
  ['plan of a cluster() that throws (no --out left)', ['plan', CLUSTER_THROWS, '--vary', 'mode=zen', '--seeds', '1', '--out', 'out'], /^point mode=zen: \S*cluster_throws\.ts:7:\d+: no cluster today \(checking its parameters\)$/],
  ['plan of a missing scenario', ['plan', '/nonexistent/x.ts', '--vary', 'targets=1,2'], /scenario file not found/],
  // merge
  ['merge without directories', ['merge'], /Not enough non-option arguments/],
  ['merge without --out', ['merge', EMPTY_DIR], /merge: --out DIR is required/],
  ['merge of a missing directory', ['merge', '/nonexistent/shard', '--out', 'm'], /merge: \/nonexistent\/shard is not a directory/],
  ['merge of a directory with no sweep', ['merge', EMPTY_DIR, '--out', 'm'], /holds no sweep\.json \(not a plan directory\)/],
  ['merge of a corrupt sweep', ['merge', BAD_SWEEP, '--out', 'm'], /sweep\.json is not a zensim sweep definition/],
  ['merge --out to stdout', ['merge', EMPTY_DIR, '--out', '-'], /^--out -: this output cannot go to stdout \(only run --json - can\); name a directory \(\.\/- for one named -\)$/],
  ['merge --out one of its inputs', ['merge', EMPTY_DIR, '--out', EMPTY_DIR], /^merge: --out \S*empty is one of the directories merged; write the merged sweep to another directory$/],
  ['merge --out twice', ['merge', EMPTY_DIR, '--out', 'a', '--out', 'b'], /--out is given more than once/],
  ['merge --constraint unparsable', ['merge', EMPTY_DIR, '--out', 'm', '--constraint', 'downs.lastMs=<5'], /cannot parse constraint/],
  // check (its own cases are in test/sim/check)
  ['check --runs 0', ['check', '--runs', '0'], /--runs must be a positive integer/],
  ['check --runs without a value', ['check', '--runs'], /^--runs needs a value$/],
  ['check --seed twice', ['check', '--seed', '1', '--seed', '2'], /--seed is given more than once/],
  ['check of an unknown property', ['check', '--property', 'nope'], /unknown property 'nope'/],
  ['check with a scenario parameter', ['check', '--set', 'targets=3'], /zensim check takes ZenMonitor settings only/],
  ['check with a zen value that overflows', ['check', '--set', 'zen.demand_interval=9007199254740991'], /at most 4294967295/],
  ['check --trace without --replay', ['check', '--trace', 't.jsonl'], /--trace needs --replay/],
  ['check --trace to stdout', ['check', '--replay', 'x.json', '--trace', '-'], /^--trace -: this output cannot go to stdout \(only run --json - can\); name a file \(\.\/- for one named -\)$/],
  ['check --export-exunit to stdout', ['check', '--export-exunit', '-'], /^--export-exunit -: this output cannot go to stdout \(only run --json - can\); name a file \(\.\/- for one named -\)$/],
  ['check with two replays', ['check', '--replay', 'a', '--replay-inline', 'b'], /not both/],
];

/** Runs `main` in `cwd` with stdout and stderr captured. */
async function cli(argv: string[], cwd: string): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const o = process.stdout.write.bind(process.stdout);
  const e = process.stderr.write.bind(process.stderr);
  const here = process.cwd();
  process.stdout.write = ((s: string) => (out.push(String(s)), true)) as typeof process.stdout.write;
  process.stderr.write = ((s: string) => (err.push(String(s)), true)) as typeof process.stderr.write;
  process.chdir(cwd);
  try {
    return { code: await main(argv), out: out.join(''), err: err.join('') };
  } finally {
    process.chdir(here);
    process.stdout.write = o;
    process.stderr.write = e;
  }
}

test(`the table has at least 60 bad invocations across run, plan, merge and check (${TABLE.length})`, () => {
  assert.ok(TABLE.length >= 60);
  for (const cmd of ['run', 'plan', 'merge', 'check']) assert.ok(TABLE.some(([, argv]) => argv[0] === cmd), cmd);
});

for (const [what, argv, message] of TABLE) {
  test(`bad input, ${what}: one line, exit 2, nothing written`, async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'zensim-bad-'));
    try {
      const r = await cli(argv, cwd);
      assert.is(r.code, 2, `exit code for ${argv.join(' ')}: ${r.err}`);
      assert.is(r.out, '');
      assert.is(r.err.split('\n').length, 2, `one line: ${JSON.stringify(r.err)}`);
      assert.match(r.err, /^zensim: /);
      assert.match(r.err.slice('zensim: '.length).trimEnd(), message, r.err);
      assert.equal(readdirSync(cwd), []);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });
}

test.after(() => rmSync(FIX, { recursive: true, force: true }));

test.run();
