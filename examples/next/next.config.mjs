// EDSEG_SERVER and EDSEG_KEY (the server's public JWK as JSON) are pinned at build time.
export default {
  env: {
    NEXT_PUBLIC_EDSEG_SERVER: process.env.EDSEG_SERVER ?? 'http://127.0.0.1:8787',
    NEXT_PUBLIC_EDSEG_KEY: process.env.EDSEG_KEY ?? '',
  },
};
