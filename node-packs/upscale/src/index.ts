export { UpscaleModelLoader } from './upscale-model-loader.js';
export { ImageUpscaleWithModel } from './image-upscale-with-model.js';
