/** Vite bundles imported stylesheets; they export nothing the app uses. */
declare module '*.css';
