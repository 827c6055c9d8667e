// Vite's browser-side declarations (CSS imports, import.meta.env); free of Node types.
/// <reference types="vite/client" />
