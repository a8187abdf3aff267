/** Injection tokens shared by the admin API's modules. */
export const CONFIG = Symbol('CONFIG');
export const STORAGE = Symbol('STORAGE');
