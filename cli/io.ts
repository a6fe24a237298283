/** Output helpers shared by the subcommands: stdout carries results only, stderr everything else. */

function write(stream: NodeJS.WriteStream, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.write(text.endsWith('\n') ? text : `${text}\n`, (err) => (err ? reject(err) : resolve()));
  });
}

/** A result line or block (the only thing that goes to stdout). */
export const out = (text: string): Promise<void> => write(process.stdout, text);

/** Progress, notes and errors. */
export const err = (text: string): Promise<void> => write(process.stderr, text);

/** A bilingual error message on stderr: Chinese first, English second. */
export const errorMessage = (zh: string, en: string): Promise<void> => err(`错误：${zh}\nError: ${en}`);
