/**
 * The README's state machine diagram is generated from the synthesized definition; this fails when
 * the definition changed and the diagram was not regenerated (npx tsx scripts/state-machine-diagram.ts).
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { diagramBlock, mermaidOf, readmeWithDiagram } from '../../scripts/state-machine-diagram';

describe('state machine diagram', () => {
  it('in README.md is the one generated from the synthesized definition', () => {
    const readme = readFileSync(path.join(__dirname, '../../README.md'), 'utf8');
    expect(readmeWithDiagram(readme, diagramBlock())).toBe(readme);
  });

  it('draws every state, Parallel branches from their fork, and Catch edges dashed with their errors', () => {
    const text = mermaidOf({
      StartAt: 'P',
      States: {
        P: {
          Type: 'Parallel',
          Next: 'Done',
          Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Oops' }],
          Branches: [{ StartAt: 'A', States: { A: { Type: 'Task', End: true } } }],
        },
        Done: { Type: 'Succeed' },
        Oops: { Type: 'Fail' },
      },
    });
    expect(text).toContain('start --> P_fork');
    expect(text).toContain('P_fork --> A');
    expect(text).toContain('A --> P_join');
    expect(text).toContain('P_join --> Done');
    expect(text).toContain('P_join -. "States.ALL" .-> Oops');
  });
});
