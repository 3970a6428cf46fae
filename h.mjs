import http from 'node:http';
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
const N=5000, C=64; let i=0; const t=performance.now();
function one(){ return new Promise((res,rej)=>{ const q=http.request('http://127.0.0.1:3998/x',{method:'POST',agent,headers:{'content-type':'application/x-www-form-urlencoded'}},(r)=>{ let b=''; r.on('data',c=>b+=c); r.on('end',()=>res(b));}); q.on('error',rej); q.end('a=1&b=2');}); }
async function w(){ while(i<N){ i++; await one(); } }
await Promise.all(Array.from({length:C},w));
console.log('http', (N/((performance.now()-t)/1000)).toFixed(0),'/s');
