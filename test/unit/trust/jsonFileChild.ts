// Child process for the cross-process test of updateJsonFile: appends `count` tagged entries one by one.
import { updateJsonFile } from '../../../runtime/src/config/jsonFile';

async function main(): Promise<void> {
  const [file, tag, count] = process.argv.slice(2);
  for (let i = 0; i < Number(count); i++) {
    await updateJsonFile(file as string, (json) => {
      const list = (json.entries ??= []) as string[];
      list.push(`${tag}-${i}`);
    });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
