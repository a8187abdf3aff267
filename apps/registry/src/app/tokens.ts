/** Injection tokens shared by the registry's modules. */
export const CONFIG = Symbol('CONFIG');
export const STORAGE = Symbol('STORAGE');
