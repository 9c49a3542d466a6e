import './no-eval.ts';
import './editor/monaco-setup.ts';
import '@xyflow/react/dist/style.css';
import './styles.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.tsx';

const root = document.getElementById('root');
if (!root) throw new Error('The page has no #root element to render the designer into.');
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
