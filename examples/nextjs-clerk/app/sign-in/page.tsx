// The browser SDK (loaded by the layout) mounts its sign-in form here.
export default function SignInPage() {
  return <div id="sign-in" />
}
