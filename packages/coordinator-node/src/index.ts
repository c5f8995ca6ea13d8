export { FileAllDataStorage } from './file-storage.js';
