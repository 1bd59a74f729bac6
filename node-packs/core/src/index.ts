export * from './primitive.js';
export * from './string.js';
export { PreviewImage, SaveImage } from './image-output.js';
export * from './rebatch.js';
export * from './preview-any.js';
