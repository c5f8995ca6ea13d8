export { largerWriterWins, type Resolver, remoteWins, type Version } from './version.js';
