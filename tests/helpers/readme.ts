/** A fenced code block of a Markdown file, with the heading it sits under. */
export interface CodeBlock {
  /** The nearest heading above the block, as written (`## Try it`). */
  heading: string;
  /** The fence's info string: `sh`, `console`, `json`, … */
  lang: string;
  code: string;
}

export function codeBlocks(markdown: string): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  let heading = '';
  let open: { lang: string; lines: string[] } | undefined;
  for (const line of markdown.split('\n')) {
    if (open) {
      if (line.startsWith('```')) {
        blocks.push({ heading, lang: open.lang, code: open.lines.join('\n') });
        open = undefined;
      } else open.lines.push(line);
    } else if (line.startsWith('```')) open = { lang: line.slice(3).trim(), lines: [] };
    else if (/^#{1,6} /.test(line)) heading = line.trim();
  }
  return blocks;
}

/** One `$ command` of a console transcript, with what the transcript shows it printing. */
export interface TranscriptStep {
  command: string;
  output: string[];
}

export function transcriptSteps(console: string): TranscriptStep[] {
  const steps: TranscriptStep[] = [];
  for (const line of console.split('\n')) {
    if (line.startsWith('$ ')) steps.push({ command: line.slice(2), output: [] });
    else steps.at(-1)?.output.push(line);
  }
  return steps;
}

/**
 * The README talks to http://127.0.0.1:8000 (curl's `localhost:8000`, HTTPie's `:8000`); a test server listens on a
 * free port instead, so two runs never collide.
 */
export function onPort(command: string, port: number): string {
  return command.replace(/(localhost|127\.0\.0\.1)?:8000\b/g, (_match, host: string | undefined) => `${host ?? ''}:${port}`);
}
