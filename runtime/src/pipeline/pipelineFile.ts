// Which files are pipelines (spec section 5): `*.pipeline.yaml`, `*.pipeline.yml` or `pipeline.yaml`.

const PIPELINE_FILE = /(?:\.pipeline\.ya?ml|(?:^|[/\\])pipeline\.yaml)$/i;

/** Whether a path or URI names a pipeline file. */
export function isPipelineFile(pathOrUri: string): boolean {
  return PIPELINE_FILE.test(pathOrUri);
}
