import AddHobby from './components/AddHobby'
import { addHobby } from './actions'
export default function Hobby() {
return <AddHobby addHobby={addHobby} />
}
