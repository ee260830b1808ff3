// HEAD answers exactly like GET without the body (sendImage stops before streaming for HEAD).
export { default } from './file.get'
