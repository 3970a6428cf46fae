/**
 * The public types, as a user's TypeScript sees them: tsc (a child process) compiles a consumer file
 * (fixtures/consumer.ts) that imports the package by name against the built declarations, under `node16`,
 * `bundler` and `nodenext` resolution. The file's expectations fail to compile when a public type regresses;
 * the runnable examples are type-checked too.
 * A regressed copy checks the check (it must fail where expected), and the compiler API checks that every
 * export of every entry, and every member of the library's own interfaces, has a TSDoc comment.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import ts from 'typescript';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CONSUMER = fileURLToPath(new URL('../../../test/library/fixtures/consumer.ts', import.meta.url));
const TSC = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const COMMON = ['--noEmit', '--strict', '--target', 'es2022', '--esModuleInterop', '--types', 'node'];

function tsc(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [TSC, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('exit', (code) => resolve({ code, output }));
  });
}

describe('public types', () => {
  // The declaration files themselves (ours, and the frameworks' they refer to) are checked once; the other
  // modes skip that (--skipLibCheck), which takes most of the time.
  const modes: Array<[string, string[]]> = [
    ['node16 (declaration files checked too)', ['--module', 'node16', '--moduleResolution', 'node16']],
    ['bundler', ['--module', 'esnext', '--moduleResolution', 'bundler', '--skipLibCheck']],
    ['nodenext with exactOptionalPropertyTypes', ['--module', 'nodenext', '--moduleResolution', 'nodenext', '--exactOptionalPropertyTypes', '--skipLibCheck']],
  ];
  for (const [name, flags] of modes) {
    it(`a consumer compiles with ${name} resolution, every expectation met`, async () => {
      const { code, output } = await tsc([...COMMON, ...flags, CONSUMER]);
      assert.equal(output, '');
      assert.equal(code, 0);
    });
  }

  it('the runnable examples type-check against the public types (checkJs)', async () => {
    const examples = ['fastify', 'express', 'hono'].map((name) => `examples/${name}.js`);
    const { code, output } = await tsc([...COMMON, '--module', 'node16', '--moduleResolution', 'node16', '--skipLibCheck', '--allowJs', '--checkJs', ...examples]);
    assert.equal(output, '');
    assert.equal(code, 0);
  });

  function diagnosticsOf(text: string): ts.Diagnostic[] {
    const options: ts.CompilerOptions = {
      noEmit: true, strict: true, target: ts.ScriptTarget.ES2022, esModuleInterop: true, types: ['node'], skipLibCheck: true,
      module: ts.ModuleKind.Node16, moduleResolution: ts.ModuleResolutionKind.Node16,
    };
    const host = ts.createCompilerHost(options);
    const readFile = host.readFile.bind(host);
    host.readFile = (path) => (path === CONSUMER ? text : readFile(path));
    const getSourceFile = host.getSourceFile.bind(host);
    host.getSourceFile = (path, language) => (path === CONSUMER ? ts.createSourceFile(path, text, language) : getSourceFile(path, language));
    return ts.getPreEmitDiagnostics(ts.createProgram([CONSUMER], options, host)).filter((d) => d.file?.fileName === CONSUMER);
  }

  it('the check can fail: the same consumer without one @ts-expect-error does not compile, there only', () => {
    const source = readFileSync(CONSUMER, 'utf8');
    const regressed = source.replace('  // @ts-expect-error mos may be null\n', '');
    assert.notEqual(regressed, source);
    const diagnostics = diagnosticsOf(regressed);
    assert.deepEqual(diagnostics.map((d) => d.code), [18047]); // 'event.mos' is possibly 'null'
  });

  it('every export of every entry, and every member of the library\'s own interfaces, has a TSDoc comment', () => {
    const options: ts.CompilerOptions = { noEmit: true, strict: true, esModuleInterop: true, module: ts.ModuleKind.Node16, moduleResolution: ts.ModuleResolutionKind.Node16, types: ['node'] };
    const program = ts.createProgram([CONSUMER], options);
    const checker = program.getTypeChecker();
    const consumer = program.getSourceFile(CONSUMER)!;
    const undocumented: string[] = [];
    const entries = consumer.statements.filter(ts.isImportDeclaration).filter((d) => (d.moduleSpecifier as ts.StringLiteral).text.startsWith('callpulse'));
    assert.deepEqual(entries.map((d) => (d.moduleSpecifier as ts.StringLiteral).text), ['callpulse', 'callpulse/fastify', 'callpulse/express', 'callpulse/store']);
    const docOf = (symbol: ts.Symbol): string => ts.displayPartsToString(symbol.getDocumentationComment(checker)).trim();
    let exportsSeen = 0;
    for (const entry of entries) {
      const moduleSymbol = checker.getSymbolAtLocation(entry.moduleSpecifier)!;
      for (const exported of checker.getExportsOfModule(moduleSymbol)) {
        exportsSeen += 1;
        const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
        const where = `${(entry.moduleSpecifier as ts.StringLiteral).text}: ${exported.name}`;
        if (docOf(symbol) === '') undocumented.push(where);
        const declaration = symbol.declarations?.[0];
        const file = declaration?.getSourceFile().fileName ?? '';
        const own = /dist\/src\/(library|signature)\/|dist\/src\/domain\/(call-event|errors)\.d\.ts$/.test(file);
        if (!own || !(symbol.flags & (ts.SymbolFlags.Interface | ts.SymbolFlags.TypeAlias))) continue;
        const type = checker.getDeclaredTypeOfSymbol(symbol);
        if (type.isUnion()) continue;
        for (const member of type.getProperties()) {
          const memberFile = member.declarations?.[0]?.getSourceFile().fileName ?? '';
          if (memberFile.includes('node_modules/typescript/') || memberFile.includes('node_modules/@types/')) continue;
          if (docOf(member) === '') undocumented.push(`${where}.${member.name}`);
        }
      }
    }
    assert.ok(exportsSeen > 40, `the entries' exports were read (${exportsSeen})`);
    assert.deepEqual(undocumented, []);
  });
});
