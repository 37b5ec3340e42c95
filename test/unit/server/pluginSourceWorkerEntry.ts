// The worker script of pluginSourceWorker.test.ts: what the server bundle does in a worker thread.
import { servePluginSources } from '../../../server/src/pluginSourceWorker';

servePluginSources();
