// What goes wrong talking to a registry or installing, as one error type with a code and a message a
// user can act on (which registry, which package, what to do).

/** Exit code of the CLI per spec section 6: 1 the operation failed, 2 the input was refused. */
const REFUSED = new Set([
  'E404',
  'EINVALIDSPEC',
  'ENOTPLUGIN',
  'EINCOMPATIBLE',
  'EUNVERIFIED',
  'EDOWNGRADE',
  'EPERMISSIONS',
  'ENOTINSTALLED',
  'EUNSIGNED',
  'EINVALIDPLUGIN',
  'EPRIVATE',
]);

/** A refusal or failure that names the registry or package and what to do. */
export class RegistryError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details: { registry?: string; package?: string; diff?: string } = {},
  ) {
    super(message);
    this.name = 'RegistryError';
  }

  /** 2 when the request was refused (bad name, unverified, incompatible…), 130 when cancelled, else 1. */
  get exitCode(): number {
    if (this.code === 'EABORTED') return 130;
    return REFUSED.has(this.code) ? 2 : 1;
  }
}

interface NpmLibraryError extends Error {
  code?: string;
  statusCode?: number;
  type?: string;
}

/**
 * Turns an error of pacote / npm-registry-fetch / libnpmpublish into a RegistryError naming the
 * registry and the package; a RegistryError passes through.
 */
export function registryErrorOf(error: unknown, context: { registry: string; package?: string; doing: string }): RegistryError {
  if (error instanceof RegistryError) return error;
  const e = error as NpmLibraryError;
  const what = context.package ? `${context.package} from ${context.registry}` : context.registry;
  const reason = e?.message ?? String(error);
  const details = { registry: context.registry, ...(context.package ? { package: context.package } : {}) };
  if (e?.name === 'AbortError' || e?.code === 'ABORT_ERR' || e?.code === 'EABORTED') {
    return new RegistryError('EABORTED', `${context.doing} ${what} was cancelled.`, details);
  }
  if (e?.code === 'EINTEGRITY') {
    return new RegistryError(
      'EINTEGRITY',
      `The tarball of ${what} fails its integrity check (its bytes are not what the registry's metadata says was published): it was altered or damaged. Nothing was installed; tell the package's maintainer or the registry's administrator. (${reason})`,
      details,
    );
  }
  if ((e?.statusCode === 404 || e?.code === 'E404') && !context.package) {
    // A 404 with no package asked for: the registry does not serve npm's search API.
    return new RegistryError(
      'E404',
      `${context.registry} answered 404 Not Found to npm's search API (/-/v1/search): it does not serve searches. Point \`--registry URL\` or .npmrc at a registry that does (Verdaccio does), or add a plugin by name with \`aether plugins add NAME\`.`,
      details,
    );
  }
  if (e?.statusCode === 404 || e?.code === 'E404') {
    return new RegistryError(
      'E404',
      `${context.package ?? 'The package'} was not found on ${context.registry}; check the name, or the registry your .npmrc names (\`--registry URL\` overrides it).`,
      details,
    );
  }
  if (e?.code === 'ETARGET') {
    return new RegistryError('E404', `No version of ${what} matches: ${reason}`, details);
  }
  if (e?.statusCode === 401 || e?.statusCode === 403 || e?.code === 'E401' || e?.code === 'E403' || e?.code === 'ENEEDAUTH') {
    return new RegistryError(
      'EAUTH',
      `${context.registry} refused ${context.doing.toLowerCase()}${context.package ? ` ${context.package}` : ''} (${reason}); log in with \`npm login --registry ${context.registry}\` or put a token in .npmrc.`,
      details,
    );
  }
  const network = ['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'ESOCKETTIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH'];
  if ((e?.code && network.includes(e.code)) || e?.type === 'request-timeout' || e?.type === 'system' || /timed? ?out/i.test(reason)) {
    const timeout = e?.type === 'request-timeout' || /timed? ?out/i.test(reason) || e?.code === 'ETIMEDOUT';
    return new RegistryError(
      'EREGISTRY',
      `The registry ${context.registry} ${timeout ? 'did not answer in time' : 'cannot be reached'} while ${context.doing.toLowerCase()}${context.package ? ` ${context.package}` : ''} (${e?.code ?? reason}). Check that it is up and that .npmrc names the right registry (\`--registry URL\` overrides it); nothing was changed.`,
      details,
    );
  }
  return new RegistryError('EREGISTRY', `${context.doing} ${what} failed: ${reason}`, details);
}
