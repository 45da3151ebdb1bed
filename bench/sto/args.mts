/** `--name value` pairs from the command line; a flag without a value is "true". */
export function parseArgs(argv = process.argv.slice(2)): Record<string, string> {
  return Object.fromEntries(
    argv.reduce<[string, string][]>((out, a, i, all) => {
      if (a.startsWith("--"))
        out.push([a.slice(2), all[i + 1] && !all[i + 1]!.startsWith("--") ? all[i + 1]! : "true"]);
      return out;
    }, []),
  );
}
