// esbuild turns a css import into the panel's media/dist/<panel>.css; the import has no value
declare module '*.css';
