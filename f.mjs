
const N=5000, C=64; let i=0; const t=performance.now();
async function w(){ while(i<N){ i++; const r = await fetch('http://127.0.0.1:3998/x',{method:'POST',headers:{'content-type':'application/x-www-form-urlencoded'},body:'a=1&b=2'}); await r.text(); } }
await Promise.all(Array.from({length:C},w));
console.log('fetch', (N/((performance.now()-t)/1000)).toFixed(0),'/s');
