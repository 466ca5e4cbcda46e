import HtmlWebpackPlugin from 'html-webpack-plugin';
import webpack from 'webpack';

// No edseg-specific setting: webpack 5 turns `new URL('./edseg.worker.js', import.meta.url)` inside edseg
// into an emitted asset, so the worker ships beside the bundle on the page's origin.
export default {
  entry: './src/index.js',
  output: { path: new URL('./dist', import.meta.url).pathname, clean: true },
  plugins: [
    new HtmlWebpackPlugin({ title: 'edseg: webpack', template: './src/index.html' }),
    // EDSEG_SERVER and EDSEG_KEY (the public JWK as JSON) are pinned at build time.
    new webpack.DefinePlugin({
      EDSEG_SERVER: JSON.stringify(process.env.EDSEG_SERVER ?? 'http://127.0.0.1:8787'),
      EDSEG_KEY: JSON.stringify(process.env.EDSEG_KEY ?? ''),
    }),
  ],
};
